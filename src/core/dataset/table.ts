import Papa from 'papaparse';

/**
 * Text → rows of cells, whatever the file's shape: delimited (CSV/TSV/semicolon, RFC 4180
 * quoting), JSONL, a JSON array, `LABEL TEXT` lines (the SST-2 sentence files), fastText's
 * `__label__X text`, or plain lines. Which column means what is decided later (columns.ts).
 */
export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'label-space' | 'fasttext' | 'lines';

export interface TableRow {
  /** 1-based line of the file where the row starts (for JSON arrays: the 1-based item number). */
  row: number;
  cells: string[];
  /** Set when the row cannot be read as a record of the table; the row is rejected with it. */
  malformed?: string;
}

export interface Table {
  format: TableFormat;
  delimiter?: string;
  /** Column names; generated (`column 1`…) when the file has none. */
  names: string[];
  /** Whether `names` came from the file (a header row or JSON keys). */
  named: boolean;
  /** Whether the first row was taken as a header, and why (for the report). */
  header: { present: boolean; reason: string };
  rows: TableRow[];
  blankLines: number;
}

const DELIMS = [',', '\t', ';'] as const;

function ext(fileName: string): string {
  const base = fileName.toLowerCase().replace(/\.gz$/, '');
  const m = /\.([a-z0-9]+)$/.exec(base);
  return m ? m[1] : '';
}

/** The delimiter whose sample rows agree best on a field count of 2 or more, or undefined. */
export function sniffDelimiter(text: string, preferred?: string): string | undefined {
  const sample = text.slice(0, 256 * 1024);
  let best: { d: string; score: number; fields: number } | undefined;
  for (const d of DELIMS) {
    const res = Papa.parse<string[]>(sample, { delimiter: d, preview: 300, skipEmptyLines: 'greedy' });
    // A row with an unterminated quote swallows the rest of the sample; it is judged later, not here.
    const bad = new Set(res.errors.filter((x) => x.type === 'Quotes').map((x) => x.row));
    const rows = res.data.filter((_, i) => !bad.has(i));
    if (rows.length > 1 && !sample.includes('\n', sample.length - 1) && text.length > sample.length) rows.pop();
    if (rows.length === 0) continue;
    const counts = new Map<number, number>();
    for (const r of rows) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
    const [fields, n] = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0];
    if (fields < 2) continue;
    const score = n / rows.length + (d === preferred ? 0.05 : 0);
    if (score >= 0.9 && (!best || score > best.score + 1e-9 || (Math.abs(score - best.score) < 1e-9 && fields > best.fields))) {
      best = { d, score, fields };
    }
  }
  return best?.d;
}

const LABEL_SPACE = /^(\S{1,40}) +(\S.*)$/;

/** `0 some sentence` lines with a handful of distinct first tokens: the SST-2 sentence format. */
function looksLabelSpace(lines: string[]): boolean {
  if (lines.length < 2) return false;
  const firsts = new Set<string>();
  let ok = 0;
  for (const l of lines) {
    const m = LABEL_SPACE.exec(l);
    if (m) { ok++; firsts.add(m[1]); }
  }
  // Labels repeat: fewer distinct first tokens than lines, and few of them overall.
  return ok / lines.length >= 0.95 && firsts.size < lines.length && firsts.size <= Math.max(2, Math.min(50, lines.length / 5));
}

export function readTable(text: string, fileName: string): Table {
  const e = ext(fileName);
  const trimmed = text.replace(/^\uFEFF/, '');
  const head = trimmed.slice(0, 4096).trimStart();
  if (e === 'jsonl' || e === 'ndjson') return readJsonl(trimmed);
  if (head.startsWith('[') || head.startsWith('{') || e === 'json') {
    let whole: unknown;
    let ok = false;
    // JSONL fails JSON.parse at its second line, so this try is cheap for big JSONL files.
    try { whole = JSON.parse(trimmed); ok = true; } catch (err) {
      if (!head.startsWith('{')) throw new JsonFileError((err as Error).message);
    }
    if (!ok || (whole && typeof whole === 'object' && !Array.isArray(whole) && !Object.values(whole).some(Array.isArray))) {
      return readJsonl(trimmed);
    }
    return readJsonValue(whole);
  }
  const sampleLines = trimmed.slice(0, 64 * 1024).split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 200);
  if (sampleLines.length > 0 && sampleLines.filter((l) => l.startsWith('__label__')).length / sampleLines.length >= 0.9) {
    return readLabelLines(trimmed, 'fasttext');
  }
  const delimitedExt = e === 'csv' || e === 'tsv' || e === 'tab';
  // SST-style `0 a sentence , with commas .` lines can pass for two-column CSV; unless the
  // extension says CSV/TSV, the line format is tried first.
  if (!delimitedExt && looksLabelSpace(sampleLines)) return readLabelLines(trimmed, 'label-space');
  const delimiter = sniffDelimiter(trimmed, e === 'tsv' || e === 'tab' ? '\t' : e === 'csv' ? ',' : undefined);
  if (delimiter) return readDelimited(trimmed, delimiter);
  if (looksLabelSpace(sampleLines)) return readLabelLines(trimmed, 'label-space');
  return readLines(trimmed);
}

/** Counts newlines in s[from, to) so every record can name the line it starts on. */
function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i !== -1 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function readDelimited(text: string, delimiter: string): Table {
  const rows: TableRow[] = [];
  let blankLines = 0;
  let line = 1;
  let cursor = 0;
  Papa.parse<string[]>(text, {
    delimiter,
    skipEmptyLines: false,
    step: (res) => {
      const start = cursor;
      const end = res.meta.cursor;
      // Papaparse's cursor points past the row's newline; the row starts at `line`.
      const cells = res.data;
      const rowLine = line;
      line += countNewlines(text, start, end);
      cursor = end;
      if (cells.length === 1 && cells[0].trim() === '') {
        // The empty "row" after a file's final newline is not a blank line.
        if (end < text.length || start < text.length) blankLines++;
        return;
      }
      const err = res.errors.find((x) => x.type === 'Quotes');
      rows.push({ row: rowLine, cells, malformed: err ? `unterminated quote (${err.message})` : undefined });
    },
  });
  const fields = modalFieldCount(rows);
  for (const r of rows) {
    if (!r.malformed && r.cells.length !== fields) {
      r.malformed = `${r.cells.length} field${r.cells.length === 1 ? '' : 's'} where the file has ${fields}`;
    }
  }
  const names = Array.from({ length: fields }, (_, i) => `column ${i + 1}`);
  return { format: delimiter === '\t' ? 'tsv' : 'csv', delimiter, names, named: false, header: { present: false, reason: '' }, rows, blankLines };
}

function modalFieldCount(rows: TableRow[]): number {
  const counts = new Map<number, number>();
  for (const r of rows.slice(0, 2000)) counts.set(r.cells.length, (counts.get(r.cells.length) ?? 0) + 1);
  let best = 1; let n = -1;
  for (const [k, v] of counts) if (v > n || (v === n && k > best)) { best = k; n = v; }
  return best;
}

function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function readLabelLines(text: string, format: 'label-space' | 'fasttext'): Table {
  const rows: TableRow[] = [];
  let blankLines = 0;
  splitLines(text).forEach((l, i) => {
    if (l.trim() === '') { blankLines++; return; }
    if (format === 'fasttext') {
      // fastText allows several labels; a classifier here takes one, so extra labels make the row malformed.
      const labels: string[] = [];
      let rest = l.trim();
      for (let m = /^__label__(\S+)\s*/.exec(rest); m; m = /^__label__(\S+)\s*/.exec(rest)) {
        labels.push(m[1]); rest = rest.slice(m[0].length);
      }
      rows.push({ row: i + 1, cells: [labels[0] ?? '', rest],
        malformed: labels.length === 0 ? 'no __label__ prefix' : labels.length > 1 ? `${labels.length} labels on one line (one is supported)` : undefined });
    } else {
      const m = LABEL_SPACE.exec(l);
      rows.push(m ? { row: i + 1, cells: [m[1], m[2]] } : { row: i + 1, cells: [l.trim(), ''] });
    }
  });
  return { format, names: ['label', 'text'], named: true, header: { present: false, reason: `${format === 'fasttext' ? 'fastText' : 'LABEL TEXT'} lines have no header` }, rows, blankLines };
}

function readLines(text: string): Table {
  const rows: TableRow[] = [];
  let blankLines = 0;
  splitLines(text).forEach((l, i) => {
    if (l.trim() === '') blankLines++;
    else rows.push({ row: i + 1, cells: [l] });
  });
  return { format: 'lines', names: ['text'], named: false, header: { present: false, reason: 'one text per line' }, rows, blankLines };
}

/** A value nested deeper than JSON.stringify can walk (it recurses): the row is malformed. */
class TooDeep extends Error {}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  try {
    return JSON.stringify(v) ?? '';
  } catch (e) {
    if (e instanceof RangeError) throw new TooDeep();
    throw e;
  }
}

/** Objects become rows over the union of their keys (in first-seen order); strings a text column. */
function fromItems(items: { row: number; value: unknown; malformed?: string }[], format: 'json' | 'jsonl', blankLines: number): Table {
  const keys: string[] = [];
  const seen = new Set<string>();
  let strings = 0;
  let arrays = 0;
  for (const it of items) {
    const v = it.value;
    if (it.malformed) continue;
    if (typeof v === 'string') strings++;
    else if (Array.isArray(v)) arrays++;
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) if (!seen.has(k)) { seen.add(k); keys.push(k); }
  }
  const mode = keys.length > 0 ? 'object' : arrays > strings ? 'array' : 'string';
  const width = mode === 'array' ? items.reduce((m, it) => Math.max(m, Array.isArray(it.value) ? it.value.length : 0), 0) : 1;
  const names = mode === 'object' ? keys : mode === 'array' ? Array.from({ length: width }, (_, i) => `column ${i + 1}`) : ['text'];
  const rows: TableRow[] = items.map((it) => {
    try {
      return itemRow(it);
    } catch (e) {
      if (e instanceof TooDeep) return { row: it.row, cells: [], malformed: 'a value nested too deeply to read' };
      throw e;
    }
  });
  return { format, names, named: mode === 'object', header: { present: false, reason: mode === 'object' ? 'names from JSON keys' : 'JSON values have no names' }, rows, blankLines };

  function itemRow(it: { row: number; value: unknown; malformed?: string }): TableRow {
    const v = it.value;
    if (it.malformed) return { row: it.row, cells: [], malformed: it.malformed };
    if (mode === 'object') {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return { row: it.row, cells: [], malformed: `a ${Array.isArray(v) ? 'list' : typeof v} where the file has objects` };
      const o = v as Record<string, unknown>;
      // Own keys only: a row without "valueOf" must not read Object.prototype.valueOf.
      return { row: it.row, cells: keys.map((k) => cell(Object.hasOwn(o, k) ? o[k] : undefined)) };
    }
    if (mode === 'array') {
      if (!Array.isArray(v)) return { row: it.row, cells: [], malformed: `a ${typeof v} where the file has lists` };
      return { row: it.row, cells: names.map((_, i) => cell(v[i])) };
    }
    if (typeof v !== 'string') return { row: it.row, cells: [], malformed: `a ${v === null ? 'null' : typeof v} where the file has strings` };
    return { row: it.row, cells: [v] };
  }
}

function readJsonl(text: string): Table {
  const items: { row: number; value: unknown; malformed?: string }[] = [];
  let blankLines = 0;
  splitLines(text).forEach((l, i) => {
    if (l.trim() === '') { blankLines++; return; }
    try {
      items.push({ row: i + 1, value: JSON.parse(l) });
    } catch (e) {
      items.push({ row: i + 1, value: undefined, malformed: `not valid JSON (${(e as Error).message})` });
    }
  });
  return fromItems(items, 'jsonl', blankLines);
}

/** A whole JSON document: a list of examples, or an object holding one (e.g. {"data": [...]}). */
function readJsonValue(data: unknown): Table {
  if (!Array.isArray(data)) {
    const obj = data as Record<string, unknown> | null;
    const inner = obj && typeof obj === 'object' ? Object.entries(obj).find(([, v]) => Array.isArray(v)) : undefined;
    if (!inner) throw new JsonFileError('the top level is not a list of examples');
    data = inner[1];
  }
  return fromItems((data as unknown[]).map((value, i) => ({ row: i + 1, value })), 'json', 0);
}

/** A whole-file JSON syntax error has no row to blame; parse.ts turns it into one UserError. */
export class JsonFileError extends Error {}
