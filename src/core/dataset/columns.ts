import type { Table } from './table.js';

/**
 * Which column holds the text and which the label: by name when the file names its columns,
 * by content otherwise (the longest texts vs. a column with few distinct values). Always
 * overridable by the caller. Also decides whether a delimited file's first row is a header.
 */

const TEXT_NAMES = ['text', 'sentence', 'review', 'content', 'utterance', 'body', 'message', 'document', 'comment',
  'tweet', 'question', 'query', 'description', 'sentence1', 'input', 'prompt', 'title'];
const LABEL_NAMES = ['label', 'labelname', 'category', 'class', 'intent', 'target', 'sentiment', 'topic', 'goldlabel',
  'gold', 'tag', 'y', 'labels', 'classname', 'categoryname'];

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const isNumeric = (s: string) => /^\s*-?\d+(\.\d+)?\s*$/.test(s);

export interface ColumnStats {
  name: string;
  meanLength: number;
  medianLength: number;
  distinct: number;
  numericShare: number;
  nonEmpty: number;
}

export function columnStats(table: Table, sampleSize = 5000): ColumnStats[] {
  const rows = table.rows.filter((r) => !r.malformed).slice(0, sampleSize);
  return table.names.map((name, c) => {
    const vals = rows.map((r) => r.cells[c] ?? '');
    const lens = vals.map((v) => v.length).sort((a, b) => a - b);
    const nonEmpty = vals.filter((v) => v.trim() !== '');
    return {
      name,
      meanLength: lens.length ? lens.reduce((a, b) => a + b, 0) / lens.length : 0,
      medianLength: lens.length ? lens[Math.floor(lens.length / 2)] : 0,
      distinct: new Set(nonEmpty).size,
      numericShare: nonEmpty.length ? nonEmpty.filter(isNumeric).length / nonEmpty.length : 0,
      nonEmpty: nonEmpty.length,
    };
  });
}

/**
 * Decides whether the first row of a delimited table is a header, and if so moves it into
 * `names`. Known column names decide at once; otherwise each column votes, like Python's
 * csv.Sniffer: a first cell that breaks its column's pattern (text in a numeric column, a value
 * outside a few-valued column, a stub in a long-text column) votes for a header.
 */
export function applyHeader(table: Table, hasHeader?: boolean): void {
  const first = table.rows[0];
  if (!first || first.malformed) return;
  if (table.format === 'lines') {
    // A one-column file: only a known name (e.g. `text`) on line 1 makes it a header.
    if (hasHeader ?? TEXT_NAMES.includes(norm(first.cells[0]))) {
      table.names = [first.cells[0].trim() || 'text'];
      table.named = true;
      table.rows = table.rows.slice(1);
      table.header = { present: true, reason: hasHeader ? 'as requested' : 'line 1 is a column name' };
    }
    return;
  }
  if (table.format !== 'csv' && table.format !== 'tsv') return;
  let present: boolean;
  let reason: string;
  if (hasHeader !== undefined) {
    present = hasHeader; reason = 'as requested';
  } else {
    const known = first.cells.some((c) => TEXT_NAMES.includes(norm(c)) || LABEL_NAMES.includes(norm(c)));
    const distinct = new Set(first.cells.map((c) => c.trim())).size === first.cells.length;
    if (known && distinct) {
      present = true; reason = 'the first row names known columns';
    } else if (table.rows.length < 2) {
      present = false; reason = 'only one row';
    } else {
      const rest: Table = { ...table, rows: table.rows.slice(1) };
      const stats = columnStats(rest);
      let forH = 0; let against = 0;
      stats.forEach((s, c) => {
        const v = (first.cells[c] ?? '').trim();
        if (s.numericShare >= 0.95) {
          if (!isNumeric(v)) forH++;
          else if (s.distinct <= 20) (restHas(rest, c, v) ? against++ : forH++);
          return;
        }
        if (s.distinct <= Math.min(50, Math.max(2, rest.rows.length / 5))) {
          (restHas(rest, c, v) ? against++ : forH++);
          return;
        }
        if (s.medianLength >= 20) {
          if (v.length < s.medianLength * 0.2) forH++;
          else against++;
        }
      });
      present = distinct && forH > against;
      reason = present ? `the first row does not look like the rows below it (${forH} of ${stats.length} columns differ)` : 'the first row looks like data';
    }
  }
  if (present) {
    table.names = first.cells.map((c, i) => c.trim() || `column ${i + 1}`);
    table.named = true;
    table.rows = table.rows.slice(1);
  }
  table.header = { present, reason };
}

function restHas(t: Table, c: number, v: string): boolean {
  return t.rows.slice(0, 5000).some((r) => !r.malformed && (r.cells[c] ?? '').trim() === v);
}

export interface ColumnChoice {
  text: number;
  label: number | null;
  how: { text: 'option' | 'name' | 'content'; label: 'option' | 'name' | 'content' | 'none' };
}

export function findColumn(names: string[], wanted: string): number {
  let i = names.indexOf(wanted);
  if (i < 0) i = names.findIndex((n) => n.toLowerCase() === wanted.toLowerCase());
  if (i < 0 && /^\d+$/.test(wanted)) {
    const k = Number(wanted) - 1; // 1-based column numbers for headerless files
    if (k >= 0 && k < names.length) i = k;
  }
  return i;
}

export function chooseColumns(table: Table, textOpt: number | undefined, labelOpt: number | undefined, wantLabel: boolean): ColumnChoice {
  const names = table.names.map(norm);
  const stats = columnStats(table);
  const byName = (list: string[], exclude: number | null) => {
    for (const w of list) {
      const i = names.findIndex((n, k) => n === w && k !== exclude);
      if (i >= 0) return i;
    }
    return -1;
  };
  let text: number; let textHow: ColumnChoice['how']['text'];
  if (textOpt !== undefined) { text = textOpt; textHow = 'option'; }
  else {
    const n = table.named ? byName(TEXT_NAMES, labelOpt ?? null) : -1;
    if (n >= 0) { text = n; textHow = 'name'; }
    else {
      text = stats.map((s, i) => ({ s, i })).filter(({ i }) => i !== labelOpt)
        .sort((a, b) => b.s.meanLength - a.s.meanLength)[0]?.i ?? 0;
      textHow = 'content';
    }
  }
  if (labelOpt !== undefined) return { text, label: labelOpt, how: { text: textHow, label: 'option' } };
  if (!wantLabel || table.names.length < 2) return { text, label: null, how: { text: textHow, label: 'none' } };
  const n = table.named ? byName(LABEL_NAMES, text) : -1;
  if (n >= 0) return { text, label: n, how: { text: textHow, label: 'name' } };
  // A label column repeats a few values; ids (all distinct) and long free text do not qualify.
  const rowsN = Math.max(1, stats[text]?.nonEmpty ?? 1);
  const candidates = stats.map((s, i) => ({ s, i }))
    .filter(({ s, i }) => i !== text && s.nonEmpty > 0 && s.distinct >= 1 && s.meanLength <= 60
      && (s.distinct <= Math.max(2, Math.min(1000, rowsN / 2)) || rowsN < 4))
    .sort((a, b) => a.s.distinct - b.s.distinct || a.s.meanLength - b.s.meanLength);
  const best = candidates[0];
  return best ? { text, label: best.i, how: { text: textHow, label: 'content' } } : { text, label: null, how: { text: textHow, label: 'none' } };
}
