/**
 * The worker's `data` namespace: parsing runs here so a 50 MB file never freezes the page.
 * UserErrors come back as values ({ok: false, error}) because Comlink's error transfer keeps only
 * message and name, and the UI needs the code and the hint too.
 */
import { isUserError } from '../core/errors.js';
import { parseDataset, type DatasetReport, type ParseOptions } from '../core/dataset/parse.js';
import type { Progress } from '../core/progress.js';

export type ParseRequest = Pick<ParseOptions, 'textColumn' | 'labelColumn' | 'requireLabels' | 'hasHeader'>;
export interface WorkerUserError { code: string; message: string; hint?: string }
export type ParseResult = { ok: true; report: DatasetReport } | { ok: false; error: WorkerUserError };

export const dataApi = {
  parse(bytes: Uint8Array, fileName: string, options: ParseRequest = {}, onProgress?: (p: Progress) => void): ParseResult {
    try {
      return { ok: true, report: parseDataset(bytes, fileName, { ...options, onProgress }) };
    } catch (e) {
      if (isUserError(e)) return { ok: false, error: { code: e.code, message: e.message, hint: e.hint } };
      throw e;
    }
  },
};

