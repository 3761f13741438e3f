/**
 * The one way a CLI command reads a file the user names (`--train`, `--seeds`, `--bundle`, …):
 * only regular files (a device such as /dev/zero, a FIFO or a folder is refused by what it is,
 * before a byte is read, and a FIFO is opened without blocking), and never more than `maxBytes`,
 * enforced while reading, so a file that grows or lies about its size stops at the cap. Gzip files
 * come back as their compressed bytes: the core's decoder inflates them under the same cap
 * (a gzip file over the cap inflates to more than the cap, so the one limit covers both).
 *
 * It lives in the CLI because only the CLI opens user paths; the browser gets a File from a
 * picker, whose size it checks the same way (app/data/intake.ts).
 */
import { constants, open, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { DEFAULT_MAX_BYTES, tooBig } from '../core/dataset/decode.js';
import { UserError } from '../core/errors.js';

export interface InputFileOptions {
  /** Most bytes read (default: the data-file limit, 50 MB). */
  maxBytes?: number;
  /** What the file should be, for messages: "a data file", "a bundle .zip". */
  what?: string;
}

const READ_CHUNK = 1 << 20;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function openError(path: string, e: unknown): UserError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'ENOTDIR' ? 'a part of the path is not a folder'
    : code === 'ELOOP' ? 'too many symbolic links'
    : code ?? (e as Error).message;
  return new UserError('no-file', `Cannot read ${path}: ${why}.`, 'Check the path.');
}

/** The bytes of the regular file at `path`, at most `maxBytes` of them; anything else is a UserError. */
export async function readInputFile(path: string, options: InputFileOptions = {}): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const what = options.what ?? 'a data file';
  let fh: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw openError(path, e);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      throw new UserError('not-a-file', `${path} is ${kindOf(st)}, not a regular file, so it cannot be read as ${what}.`,
        st.isDirectory() ? `Give the path of ${what} inside it.` : `Save the data to a file and give that file's path.`);
    }
    if (st.size > maxBytes) throw tooBig(path, st.size, maxBytes);
    // The size is a hint (files in /proc say 0; a file can grow while read): the cap is enforced
    // on what is actually read.
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(Math.min(READ_CHUNK, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooBig(path, total, maxBytes, false, true);
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    }
    if (chunks.length === 1) return chunks[0];
    const out = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) { out.set(c, o); o += c.length; }
    return out;
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new UserError('not-a-file', `${path} is a folder, not a regular file.`, `Give the path of ${what}.`);
    if (code === 'EAGAIN' || code === 'EIO') throw new UserError('no-file', `Cannot read ${path} (${code}).`, 'Check the path.');
    throw e;
  } finally {
    await fh.close();
  }
}
