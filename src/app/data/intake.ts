/**
 * Reading a user's file and having the worker parse it. The size limit is checked before the
 * bytes are read, so a huge file is refused at once instead of after loading it into memory.
 */
import * as Comlink from 'comlink';
import { worker } from '../worker-client';
import { DEFAULT_MAX_BYTES, tooBig } from '../../core/dataset/decode';
import type { dataApi, ParseRequest, ParseResult } from '../../worker/data';
import type { Progress } from '../../core/progress';

export type { ParseRequest, ParseResult };

export async function parseFile(file: File, options: ParseRequest, onProgress?: (p: Progress) => void): Promise<ParseResult> {
  // A gzip file larger than the limit inflates to more than it too (deflate never shrinks
  // data by inflating it), so the one check covers compressed files as well.
  if (file.size > DEFAULT_MAX_BYTES) {
    const e = tooBig(file.name, file.size, DEFAULT_MAX_BYTES);
    return { ok: false, error: { code: e.code, message: e.message, hint: e.hint } };
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    return { ok: false, error: { code: 'unreadable', message: `The browser could not read ${file.name} (${(e as Error).message}).`, hint: 'If it is on a network drive or was moved, copy it to your computer and pick it again.' } };
  }
  const progress = onProgress ? Comlink.proxy(onProgress) : undefined;
  // Comlink proxies nested namespaces at run time; its types only model the top level.
  const data = worker().data as unknown as Comlink.Remote<typeof dataApi>;
  return data.parse(Comlink.transfer(bytes, [bytes.buffer]), file.name, options, progress);
}
