/**
 * The worker's `data` namespace: parsing runs here so a 50 MB file never freezes the page. A file
 * the user must fix throws a UserError, which reaches the page as one (protocol.ts).
 */
import { parseDataset, type DatasetReport, type ParseOptions } from '../core/dataset/parse.js';
import type { Progress } from '../core/progress.js';

export type ParseRequest = Pick<ParseOptions, 'textColumn' | 'labelColumn' | 'requireLabels' | 'hasHeader'>;

export const dataApi = {
  parse(bytes: Uint8Array, fileName: string, options: ParseRequest = {}, onProgress?: (p: Progress) => void): DatasetReport {
    return parseDataset(bytes, fileName, { ...options, onProgress });
  },
};
