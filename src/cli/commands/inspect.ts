import { UserError } from '../../core/errors.js';
import { parseDataset, type DatasetReport } from '../../core/dataset/parse.js';
import { reportSummary } from '../../core/dataset/report.js';
import { parseCommandArgs, printSummary } from '../args.js';
import { readInputFile } from '../input-file.js';

export const usage = `Usage: distillery inspect FILE [--text-col C] [--label-col C] [--unlabeled] [--header | --no-header]

Parses a data file (CSV, TSV, JSONL, JSON, \`LABEL TEXT\` or fastText lines; .gz too) and prints
its report: accepted rows, every rejected row with its reason, classes, warnings, columns.
The last stdout line is the report as one JSON object.

  --text-col C     the column holding the text (name, or 1-based number)
  --label-col C    the column holding the label (name, or 1-based number)
  --unlabeled      read the file as unlabeled texts (no label column needed)
  --header         the first row is a header (default: detected)
  --no-header      the first row is data
  --max-rejected N rejected rows listed in the human report (default 20; the JSON has all)`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    'text-col': { type: 'string' },
    'label-col': { type: 'string' },
    unlabeled: { type: 'boolean' },
    header: { type: 'boolean' },
    'no-header': { type: 'boolean' },
    'max-rejected': { type: 'string' },
  }, usage, true);
  if (positionals.length !== 1) throw new UserError('bad-arguments', 'inspect takes exactly one FILE.', `\n${usage}`);
  const file = positionals[0];
  const bytes = await readInputFile(file);
  const report = parseDataset(bytes, file, {
    textColumn: values['text-col'],
    labelColumn: values['label-col'],
    requireLabels: !values.unlabeled,
    hasHeader: values.header ? true : values['no-header'] ? false : undefined,
  });
  const maxRejected = values['max-rejected'] === undefined ? 20 : Math.max(0, Number(values['max-rejected']) || 0);
  console.log(formatReport(report, maxRejected));
  printSummary(reportSummary(report));
  return 0;
}

export function formatReport(r: DatasetReport, maxRejected = 20): string {
  const out: string[] = [];
  const fmt = (r.compressed ? 'gzip, ' : '') + r.encoding;
  out.push(`${r.fileName}: ${r.format} (${fmt}), ${(r.bytes / 1024).toFixed(1)} KB, ${r.rows} rows${r.blankLines ? ` + ${r.blankLines} blank lines` : ''}`);
  out.push(`columns: ${r.columns.names.map((n) => `'${n}'`).join(', ')}${r.columns.header.present ? ' (from the header row)' : ''}`);
  out.push(`  text  = '${r.columns.text}' (by ${r.columns.how.text})`);
  out.push(`  label = ${r.columns.label === null ? 'none (unlabeled texts)' : `'${r.columns.label}' (by ${r.columns.how.label})`}`);
  out.push(`accepted: ${r.accepted}`);
  out.push(`rejected: ${r.rejected.length}`);
  for (const x of r.rejected.slice(0, maxRejected)) out.push(`  row ${x.row}: ${x.reason}${x.detail ? ` (${x.detail})` : ''}`);
  if (r.rejected.length > maxRejected) out.push(`  … and ${r.rejected.length - maxRejected} more (all are in the JSON line)`);
  if (r.labeled) {
    out.push(`classes: ${Object.keys(r.classes).length}`);
    const w = Object.keys(r.classes).reduce((m, k) => Math.max(m, k.length), 5);
    for (const [k, n] of Object.entries(r.classes)) out.push(`  ${k.padEnd(w)}  ${String(n).padStart(7)}  ${((100 * n) / r.accepted).toFixed(1)}%`);
  }
  if (r.warnings.length) {
    out.push('warnings:');
    for (const w of r.warnings) out.push(`  ! ${w.message}`);
  }
  out.push(`parsed in ${r.parseMs} ms`);
  return out.join('\n');
}
