/**
 * Reading a user's file and having the worker parse it. The size limit is checked before the
 * bytes are read, so a huge file is refused at once instead of after loading it into memory.
 * A file the user must fix throws a UserError (from here or from the worker).
 */
import * as Comlink from 'comlink';
import { worker } from '../worker-client';
import { DEFAULT_MAX_BYTES, tooBig } from '../../core/dataset/decode';
import type { DatasetReport } from '../../core/dataset/report';
import { UserError } from '../../core/errors';
import type { ParseRequest } from '../../worker/data';
import type { Progress } from '../../core/progress';

export type { ParseRequest };

export async function parseFile(file: File, options: ParseRequest, onProgress?: (p: Progress) => void): Promise<DatasetReport> {
  // A gzip file larger than the limit inflates to more than it too (deflate never shrinks
  // data by inflating it), so the one check covers compressed files as well.
  if (file.size > DEFAULT_MAX_BYTES) throw tooBig(file.name, file.size, DEFAULT_MAX_BYTES);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    throw new UserError('unreadable', `The browser could not read ${file.name} (${(e as Error).message}).`, 'If it is on a network drive or was moved, copy it to your computer and pick it again.');
  }
  const progress = onProgress ? Comlink.proxy(onProgress) : undefined;
  return worker().data.parse(Comlink.transfer(bytes, [bytes.buffer]), file.name, options, progress);
}
