import Papa from 'papaparse';
import type { Example, Split } from '../dataset/example.js';

/**
 * The data that made a student, in the formats people train bigger models with: JSONL (one
 * example per line, provenance nested), CSV (provenance flattened into columns) and the Hugging
 * Face datasets layout (a file per split plus a README with the YAML header `load_dataset` reads).
 */

export type DatasetFormat = 'jsonl' | 'csv' | 'hf';

/** Which examples: only what the teacher made, or everything labeled (seeds included). */
export type DatasetSelection = 'synthetic' | 'all';

export function isSynthetic(e: Example): boolean {
  return e.provenance.source === 'generated' || e.provenance.source === 'annotated' || e.provenance.source === 'extrapolated';
}

export function selectExamples(examples: Example[], which: DatasetSelection): Example[] {
  return examples.filter((e) => e.label !== null && (which === 'all' || isSynthetic(e)));
}

export function toJsonl(examples: Example[]): string {
  return examples
    .map((e) => JSON.stringify({ id: e.id, text: e.text, label: e.label, split: e.split, provenance: e.provenance }))
    .map((l) => l + '\n')
    .join('');
}

const CSV_COLUMNS = [
  'id', 'text', 'label', 'split', 'source', 'round', 'teacher_model', 'strategy', 'prompt_template',
  'request_id', 'confidence', 'file', 'row', 'created_at',
] as const;

function csvRow(e: Example): unknown[] {
  const p = e.provenance;
  return [
    e.id, e.text, e.label, e.split, p.source, p.round, p.teacherModel ?? '', p.strategy ?? '', p.promptTemplate ?? '',
    p.requestId ?? '', p.confidence ?? '', p.file ?? '', p.row ?? '', p.createdAt,
  ];
}

/**
 * Cells a spreadsheet would run as a formula (OWASP's CSV injection list: a leading `=`, `+`,
 * `-`, `@`, tab or carriage return). Texts come from users and from the teacher, so any may.
 * Papaparse's own default pattern ends in `.*$`, which misses a formula followed by a line break;
 * this one looks at the first character only.
 */
export const CSV_FORMULA_START = /^[=+\-@\t\r]/;

/**
 * RFC 4180 CSV with a header row; papaparse quotes texts with commas, quotes or newlines, and
 * prefixes a cell that a spreadsheet would read as a formula with `'` (so it shows as text). The
 * JSONL and Hugging Face exports keep every text exact; this CSV is for spreadsheets.
 */
export function toCsv(examples: Example[]): string {
  return Papa.unparse({ fields: [...CSV_COLUMNS], data: examples.map(csvRow) }, { newline: '\n', escapeFormulae: CSV_FORMULA_START }) + '\n';
}

const HF_SPLIT: Record<Split, string | null> = { train: 'train', val: 'validation', test: 'test', unlabeled: null };

export interface DatasetCardInfo {
  name: string;
  labels: string[];
  teacherModel?: string;
  description?: string;
  createdAt: string;
}

function yamlString(s: string): string {
  // A JSON string is a valid YAML double-quoted scalar.
  return JSON.stringify(s);
}

function sizeCategory(n: number): string {
  if (n < 1000) return 'n<1K';
  if (n < 10_000) return '1K<n<10K';
  if (n < 100_000) return '10K<n<100K';
  return '100K<n<1M';
}

function countBy<T>(xs: T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

/**
 * The Hugging Face layout: `data/<split>.jsonl` (label as the class index, `label_text` beside it)
 * and a README.md whose YAML header declares the splits and a ClassLabel feature, so
 * `load_dataset("path/to/folder")` gives typed labels.
 */
export function toHfDataset(examples: Example[], info: DatasetCardInfo): Record<string, string> {
  const labelIndex = new Map(info.labels.map((l, i) => [l, i]));
  const bySplit = new Map<string, Example[]>();
  for (const e of examples) {
    const split = HF_SPLIT[e.split];
    if (!split || e.label === null || !labelIndex.has(e.label)) continue;
    bySplit.set(split, [...(bySplit.get(split) ?? []), e]);
  }
  const splits = ['train', 'validation', 'test'].filter((s) => bySplit.has(s));
  const files: Record<string, string> = {};
  for (const s of splits) {
    files[`data/${s}.jsonl`] = bySplit
      .get(s)!
      .map((e) =>
        JSON.stringify({
          text: e.text,
          label: labelIndex.get(e.label!),
          label_text: e.label,
          source: e.provenance.source,
          round: e.provenance.round,
          teacher_model: e.provenance.teacherModel ?? '',
          strategy: e.provenance.strategy ?? '',
          prompt_template: e.provenance.promptTemplate ?? '',
        }) + '\n',
      )
      .join('');
  }
  const total = splits.reduce((n, s) => n + bySplit.get(s)!.length, 0);
  const yaml = [
    '---',
    'task_categories:',
    '- text-classification',
    `pretty_name: ${yamlString(info.name)}`,
    'size_categories:',
    `- ${sizeCategory(total)}`,
    'tags:',
    '- synthetic',
    '- distillery',
    'configs:',
    '- config_name: default',
    '  data_files:',
    ...splits.flatMap((s) => [`  - split: ${s}`, `    path: data/${s}.jsonl`]),
    'dataset_info:',
    '  features:',
    '  - name: text',
    '    dtype: string',
    '  - name: label',
    '    dtype:',
    '      class_label:',
    '        names:',
    ...info.labels.map((l, i) => `          '${i}': ${yamlString(l)}`),
    ...['label_text', 'source'].flatMap((n) => [`  - name: ${n}`, '    dtype: string']),
    '  - name: round',
    '    dtype: int64',
    ...['teacher_model', 'strategy', 'prompt_template'].flatMap((n) => [`  - name: ${n}`, '    dtype: string']),
    '  splits:',
    ...splits.flatMap((s) => [`  - name: ${s}`, `    num_examples: ${bySplit.get(s)!.length}`]),
    '---',
  ];
  const all = splits.flatMap((s) => bySplit.get(s)!);
  const bySource = countBy(all, (e) => e.provenance.source);
  const byLabel = countBy(all, (e) => e.label!);
  const body = [
    `# ${info.name}`,
    '',
    info.description ?? 'A text-classification dataset made with Distillery: a teacher LLM generated and/or annotated the examples.',
    '',
    `- Created: ${info.createdAt}`,
    `- Teacher model: ${info.teacherModel ?? 'none recorded'}`,
    `- Labels (${info.labels.length}): ${info.labels.map((l) => `\`${l}\``).join(', ')}`,
    '',
    '## Counts',
    '',
    '| split | examples |',
    '|---|---|',
    ...splits.map((s) => `| ${s} | ${bySplit.get(s)!.length} |`),
    '',
    '| label | examples |',
    '|---|---|',
    ...info.labels.map((l) => `| ${l} | ${byLabel.get(l) ?? 0} |`),
    '',
    '| source | examples |',
    '|---|---|',
    ...[...bySource].map(([s, n]) => `| ${s} | ${n} |`),
    '',
    '## Use',
    '',
    '```python',
    'from datasets import load_dataset',
    'ds = load_dataset("path/to/this/folder")',
    '```',
    '',
    '## Limits',
    '',
    'Texts made by an LLM carry its biases and mistakes; labels were not checked by a person unless the source says `human`. ' +
      'Evaluate anything trained on this data on real, human-labeled texts before relying on it.',
    '',
  ];
  files['README.md'] = [...yaml, '', ...body].join('\n');
  return files;
}

/** One download: a single file for JSONL/CSV, a zip-ready file map for the HF layout. */
export function exportDataset(
  examples: Example[],
  format: DatasetFormat,
  which: DatasetSelection,
  info: DatasetCardInfo,
): Record<string, string> {
  const chosen = selectExamples(examples, which);
  const base = which === 'synthetic' ? 'synthetic' : 'dataset';
  if (format === 'jsonl') return { [`${base}.jsonl`]: toJsonl(chosen) };
  if (format === 'csv') return { [`${base}.csv`]: toCsv(chosen) };
  return toHfDataset(chosen, info);
}
