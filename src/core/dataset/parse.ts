import { UserError, throwIfAborted } from '../errors.js';
import type { LongOpOptions } from '../progress.js';
import type { Example } from './example.js';
import { textHash } from './hash.js';
import { decodeBytes, DEFAULT_MAX_BYTES } from './decode.js';
import { readTable, JsonFileError, type Table } from './table.js';
import { applyHeader, chooseColumns, findColumn } from './columns.js';
import { classWarnings, labelShapeWarnings } from './warnings.js';
import { countLabels } from './label-counts.js';
import type { DatasetReport, RejectedRow } from './report.js';

export { DEFAULT_MAX_BYTES };
export type { DatasetReport, RejectedRow } from './report.js';

/** Longer texts are rejected (not truncated): a student sees the first few hundred tokens anyway. */
export const DEFAULT_MAX_TEXT_CHARS = 20_000;

export interface ParseOptions extends LongOpOptions {
  /** Column name (or 1-based number) holding the text. */
  textColumn?: string;
  /** Column name (or 1-based number) holding the label. */
  labelColumn?: string;
  /** true (default): a labeled file, every row needs a label. false: unlabeled texts (labels ignored unless labelColumn is given). */
  requireLabels?: boolean;
  /** Force (true/false) or auto-detect (undefined) a header row in CSV/TSV files. */
  hasHeader?: boolean;
  maxBytes?: number;
  maxTextChars?: number;
  /** Time stamp for provenance; default now. */
  createdAt?: string;
}

const PREVIEW_ROWS = 20;

/**
 * The one entry for data intake, in the browser (worker) and in Node: bytes and a file name in,
 * a report out in which every row is accounted for. Unusable files throw one UserError.
 */
export function parseDataset(bytes: Uint8Array, fileName: string, options: ParseOptions = {}): DatasetReport {
  const t0 = Date.now();
  const { signal, onProgress } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxTextChars = options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS;
  const wantLabels = options.requireLabels ?? true;
  onProgress?.({ phase: 'decode', done: 0, total: 1 });
  const decoded = decodeBytes(bytes, fileName, maxBytes);
  throwIfAborted(signal);
  if (decoded.text.replace(/^\uFEFF/, '').trim() === '') {
    throw new UserError('empty-file', `${fileName} has no text in it (only blank lines or spaces).`, 'Choose a file with one example per row.');
  }
  onProgress?.({ phase: 'read', done: 0, total: 1 });
  // One line-ending convention everywhere: texts from CRLF and LF files compare equal.
  const text = decoded.text.replace(/\r\n?/g, '\n');
  let table: Table;
  try {
    table = readTable(text, fileName);
  } catch (e) {
    if (e instanceof JsonFileError) {
      throw new UserError('bad-json', `${fileName} is not valid JSON: ${e.message}.`,
        'Fix the file, or save it as JSONL (one JSON object per line) so that one bad line does not spoil the rest.');
    }
    throw e;
  }
  throwIfAborted(signal);
  applyHeader(table, options.hasHeader);

  const pick = (wanted: string | undefined, role: string): number | undefined => {
    if (wanted === undefined || wanted === '') return undefined;
    const i = findColumn(table.names, wanted);
    if (i < 0) {
      throw new UserError('no-such-column', `${fileName} has no ${role} column '${wanted}'.`,
        `Its columns are: ${table.names.map((n) => `'${n}'`).join(', ')}.`);
    }
    return i;
  };
  const textOpt = pick(options.textColumn, 'text');
  const labelOpt = pick(options.labelColumn, 'label');
  if (textOpt !== undefined && textOpt === labelOpt) {
    throw new UserError('same-column', `The text and the label cannot both be column '${table.names[textOpt]}'.`, 'Choose two different columns.');
  }
  const choice = chooseColumns(table, textOpt, labelOpt, wantLabels);
  if (wantLabels && choice.label === null) {
    throw new UserError('no-label-column',
      table.names.length < 2
        ? `${fileName} has only one column (${table.format === 'lines' ? 'one text per line' : `'${table.names[0]}'`}), so it has no labels.`
        : `No label column found in ${fileName} (columns: ${table.names.map((n) => `'${n}'`).join(', ')}).`,
      table.names.length < 2
        ? 'Upload it as unlabeled texts, or add a label column (e.g. text,label) to use it as labeled seeds.'
        : 'Pick the label column, or upload it as unlabeled texts.');
  }
  const labeled = choice.label !== null;
  const createdAt = options.createdAt ?? new Date().toISOString();

  const examples: Example[] = [];
  const rejected: RejectedRow[] = [];
  const seen = new Map<string, { row: number; label: string | null }>();
  const conflicts: number[] = [];
  const total = table.rows.length;
  table.rows.forEach((r, k) => {
    if ((k & 8191) === 0) {
      throwIfAborted(signal);
      onProgress?.({ phase: 'validate', done: k, total });
    }
    if (r.malformed) { rejected.push({ row: r.row, reason: 'malformed row', detail: r.malformed }); return; }
    const text = (r.cells[choice.text] ?? '').trim();
    const label = choice.label === null ? null : (r.cells[choice.label] ?? '').trim();
    if (text === '') { rejected.push({ row: r.row, reason: 'empty text' }); return; }
    if (labeled && label === '' && wantLabels) { rejected.push({ row: r.row, reason: 'missing label' }); return; }
    if (text.length > maxTextChars) {
      rejected.push({ row: r.row, reason: 'text too long', detail: `${text.length} characters, limit ${maxTextChars}` });
      return;
    }
    const prev = seen.get(text);
    if (prev) {
      const conflict = labeled && prev.label !== label;
      if (conflict) conflicts.push(r.row);
      rejected.push({ row: r.row, reason: 'duplicate',
        detail: conflict ? `same text as row ${prev.row}, which has label '${prev.label}' (this row says '${label}')` : `same text as row ${prev.row}` });
      return;
    }
    const useLabel = label === '' ? null : label;
    seen.set(text, { row: r.row, label: useLabel });
    examples.push({
      id: `${useLabel === null ? 'u' : 's'}-${textHash(text)}`,
      text,
      label: useLabel,
      split: useLabel === null ? 'unlabeled' : 'train',
      provenance: { source: 'seed', round: 0, file: fileName, row: r.row, createdAt },
    });
  });
  onProgress?.({ phase: 'validate', done: total, total });
  const classes = countLabels(examples.flatMap((e) => (e.label === null ? [] : [e.label])));

  const warnings = labeled && wantLabels ? [...labelShapeWarnings(classes, examples.length), ...classWarnings(classes)] : [];
  if (conflicts.length > 0) {
    warnings.push({ code: 'label-conflict', message: `${conflicts.length} row(s) repeat a text with a different label (first at row ${conflicts[0]}); the first occurrence was kept. Check those labels.` });
  }
  if (table.header.present === false && (table.format === 'csv' || table.format === 'tsv') && options.hasHeader === undefined) {
    warnings.push({ code: 'header-guessed', message: `No header row detected (${table.header.reason}); columns are numbered. If row 1 is a header, say so.` });
  } else if (table.header.present && table.header.reason.startsWith('the first row does not look')) {
    warnings.push({ code: 'header-guessed', message: `Row 1 was taken as a header because ${table.header.reason}. If it is data, say so.` });
  }
  if (total > 0 && rejected.length / total > 0.2) {
    warnings.push({ code: 'many-rejected', message: `${rejected.length} of ${total} rows were rejected; check the chosen columns and the file's format.` });
  }
  if (examples.length > 0 && examples.slice(0, 200).every((e) => /^\s*-?[\d.]+\s*$/.test(e.text))) {
    warnings.push({ code: 'numeric-text', message: `The text column '${table.names[choice.text]}' holds only numbers; is it the right column?` });
  }
  if (examples.length === 0) {
    throw new UserError('no-examples', `${fileName}: none of its ${total} row(s) could be used (${summarizeReasons(rejected)}).`,
      'Check the chosen text and label columns and the file format.');
  }

  const previewRows = table.rows.slice(0, PREVIEW_ROWS).map((r) => r.cells.map((c) => (c.length > 300 ? c.slice(0, 300) + '…' : c)));
  return {
    fileName,
    format: table.format,
    delimiter: table.delimiter,
    encoding: decoded.encoding,
    compressed: decoded.compressed,
    bytes: decoded.bytes,
    labeled,
    columns: {
      names: table.names,
      text: table.names[choice.text],
      label: choice.label === null ? null : table.names[choice.label],
      how: choice.how,
      header: table.header,
    },
    rows: total,
    blankLines: table.blankLines,
    accepted: examples.length,
    examples,
    rejected,
    classes,
    warnings,
    preview: { names: table.names, rows: previewRows },
    parseMs: Date.now() - t0,
  };
}

function summarizeReasons(rejected: RejectedRow[]): string {
  const c: Record<string, number> = {};
  for (const r of rejected) c[r.reason] = (c[r.reason] ?? 0) + 1;
  return Object.entries(c).map(([k, v]) => `${v} ${k}`).join(', ') || 'no rows';
}
