/**
 * The one way Node code replaces a file (the run-folder store, `synthetic.jsonl`, a bundle .zip):
 * write a temporary file beside it, fsync it, rename it over the target, fsync the folder. A crash
 * or a kill at any point leaves the old file or the new one, never half of one; a failure removes
 * the temporary file, and temporary files that a killed process left behind are removed the first
 * time this process writes into that folder.
 *
 * Node-only, next to the store's Node implementation: the store, the bundle writer (core) and the
 * CLI all use it, and core must not import from the CLI.
 */
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';

/** `<target>.tmp-<pid>-<random>`: the pid tells a live writer's file from a dead one's. */
const TEMP = /\.tmp-(\d+)-[a-z0-9]+$/;

/** Turns what the OS said about a failed write into a message the user can act on; bugs rethrow. */
export function writeError(e: unknown, path: string): never {
  if (e instanceof UserError) throw e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    throw new UserError('storage-full', `The disk is full: could not write ${path}. Nothing already saved was changed.`, 'Free some disk space (or choose another --out folder) and run the command again; finished steps resume.');
  }
  if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
    throw new UserError('storage-denied', `Cannot write ${path} (${code}).`, 'Choose a folder you can write to.');
  }
  if (code === 'ENOENT') {
    throw new UserError('no-folder', `Cannot write ${path}: the folder ${dirname(path)} does not exist.`, `Create it first (mkdir -p ${dirname(path)}) or choose another path.`);
  }
  if (code === 'ENOTDIR') {
    throw new UserError('no-folder', `Cannot write ${path}: a part of that path is a file, not a folder.`, 'Choose another path.');
  }
  if (code === 'EISDIR') {
    throw new UserError('is-a-folder', `Cannot write ${path}: it is a folder.`, 'Give the path of a file (inside that folder or elsewhere).');
  }
  throw e;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const cleaned = new Set<string>();

/** Removes temporary files of writers that are no longer running (a kill -9 mid-write). */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try { names = await readdir(dir); } catch { return []; }
  const removed: string[] = [];
  for (const n of names) {
    const m = TEMP.exec(n);
    if (!m || alive(Number(m[1]))) continue;
    await rm(join(dir, n), { force: true }).catch(() => undefined);
    removed.push(n);
  }
  return removed;
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename itself durable. Some file systems refuse to open or fsync a folder: the
  // data is already synced, so that is not worth failing the write for.
  try {
    const fh = await open(dir, 'r');
    try { await fh.sync(); } finally { await fh.close(); }
  } catch { /* best effort */ }
}

/**
 * Refuses, before any work, a target that cannot be written: its folder is missing or is a file,
 * or the target is a folder. Lets a long export fail in a second, not after building the bundle.
 */
export async function checkWritableTarget(path: string): Promise<void> {
  const dir = dirname(path);
  const d = await stat(dir).catch((e) => writeError(e, path));
  if (!d.isDirectory()) writeError(Object.assign(new Error('ENOTDIR'), { code: 'ENOTDIR' }), path);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) writeError(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }), path);
}

/** Replaces `path` with `data` atomically and durably; see the module comment. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  if (!cleaned.has(dir)) {
    cleaned.add(dir);
    await removeStaleTemps(dir);
  }
  // A folder at the target would make rename fail only after all the work; say so first.
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) writeError(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }), path);
  const tmp = join(dir, `${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    writeError(e, path);
  }
  await fsyncDir(dir);
}
