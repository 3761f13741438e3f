import type { Example } from './example.js';
import type { TableFormat } from './table.js';

/** What parsing a file produced: every row is either accepted or rejected with a reason. */
export type RejectReason = 'empty text' | 'missing label' | 'text too long' | 'duplicate' | 'malformed row';

export interface RejectedRow {
  /** 1-based line where the row starts (JSON arrays: 1-based item number). */
  row: number;
  reason: RejectReason;
  /** Specifics, e.g. which earlier row it duplicates. */
  detail?: string;
}

export type WarningCode = 'one-class' | 'tiny-class' | 'imbalance' | 'label-conflict' | 'header-guessed' | 'many-rejected' | 'numeric-text'
  | 'labels-look-like-words' | 'labels-mostly-unique';

export interface DatasetWarning {
  code: WarningCode;
  message: string;
}

export interface DatasetReport {
  fileName: string;
  format: TableFormat;
  delimiter?: string;
  encoding: string;
  compressed: boolean;
  bytes: number;
  /** Whether labels were read (false: unlabeled texts). */
  labeled: boolean;
  columns: {
    /** All column names (generated as `column N` for headerless files). */
    names: string[];
    text: string;
    label: string | null;
    /** How each was chosen: 'option' (the caller), 'name' (a known name), 'content' (by its values). */
    how: { text: string; label: string };
    header: { present: boolean; reason: string };
  };
  /** Rows seen (accepted + rejected); blank lines are counted apart. */
  rows: number;
  blankLines: number;
  accepted: number;
  examples: Example[];
  rejected: RejectedRow[];
  /** Label → count over accepted examples, in first-seen order. */
  classes: Record<string, number>;
  warnings: DatasetWarning[];
  /** The first rows as read (header first), for a preview table. */
  preview: { names: string[]; rows: string[][] };
  parseMs: number;
}

/** The CLI's last stdout line and the worker's light answer: the report without the examples. */
export function reportSummary(r: DatasetReport) {
  const { examples: _e, preview: _p, ...rest } = r;
  const byReason: Record<string, number> = {};
  for (const x of r.rejected) byReason[x.reason] = (byReason[x.reason] ?? 0) + 1;
  return { ...rest, rejectedByReason: byReason };
}
