/**
 * Where a transformer's files come from. A model folder is read file by file through one small
 * interface, so the same loader serves:
 *   - `urlFiles`: a folder over HTTP(S): the app's own /models/<id>/, or the Hugging Face hub
 *     (`hubFiles`: https://huggingface.co/<repo>/resolve/<revision>/<path>). In a browser, each
 *     downloaded file is kept in the Cache API so it downloads once;
 *   - `pickedFiles`: files the user picked from disk in the browser (nothing is uploaded);
 *   - `dirFiles` (files-node.ts): a folder on disk, for the CLI.
 * Byte progress is reported per file so a bar can show the 90 MB weights arriving.
 */
import { UserError, throwIfAborted } from '../errors.js';
import type { LongOpOptions } from '../progress.js';

/**
 * Where a model folder is, as data: what a student trained on its vectors records (a folder's
 * fingerprint, the weights' hash, is added once the weights are read).
 */
export type ModelOrigin =
  | { from: 'hub'; model: string; revision: string }
  | { from: 'url'; url: string }
  | { from: 'local' }
  | { from: 'files' };

export interface ModelFiles {
  /** Says where the files are, for messages ("the folder …", "huggingface.co/…"). */
  readonly where: string;
  readonly origin: ModelOrigin;
  /** The file's bytes, or undefined when the folder has no such file (optional files). */
  read(path: string, opts?: LongOpOptions & { expectedBytes?: number }): Promise<Uint8Array | undefined>;
}

/** The Cache API bucket that keeps downloaded model files in the browser. */
export const MODEL_CACHE = 'distillery-models-v1';

async function readBody(res: Response, path: string, opts: LongOpOptions & { expectedBytes?: number }): Promise<Uint8Array> {
  const total = Number(res.headers.get('content-length')) || opts.expectedBytes || 0;
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let done = 0;
  let lastReport = 0;
  for (;;) {
    if (opts.signal?.aborted) {
      await reader.cancel();
      throwIfAborted(opts.signal);
    }
    const { done: end, value } = await reader.read();
    if (end) break;
    parts.push(value);
    done += value.length;
    // At most ~100 reports per file: enough for a smooth bar, few enough for a worker's messages.
    if (done - lastReport >= total / 100 || done === total) {
      lastReport = done;
      opts.onProgress?.({ phase: 'download', done, total: Math.max(total, done), detail: { file: path } });
    }
  }
  const out = new Uint8Array(done);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  opts.onProgress?.({ phase: 'download', done, total: done, detail: { file: path } });
  return out;
}

/** A folder served over HTTP(S). `cache`: keep each file in the browser's Cache API. */
export function urlFiles(base: string, opts: { cache?: boolean } = {}): ModelFiles {
  const root = base.endsWith('/') ? base : `${base}/`;
  const useCache = (opts.cache ?? true) && typeof caches !== 'undefined';
  return {
    where: root,
    origin: { from: 'url', url: root },
    async read(path, o = {}) {
      throwIfAborted(o.signal);
      const url = new URL(path, root).href;
      const cache = useCache ? await caches.open(MODEL_CACHE).catch(() => undefined) : undefined;
      const hit = await cache?.match(url);
      if (hit) return readBody(hit, path, o);
      let res: Response;
      try {
        res = await fetch(url, { signal: o.signal });
      } catch (e) {
        throwIfAborted(o.signal);
        throw new UserError('model-offline', `Could not download ${url}: ${(e as Error).message}.`,
          'Check the network connection, or pick the model folder from disk, or use the word-vector (GloVe) student, which works offline.');
      }
      if (res.status === 404) return undefined;
      if (!res.ok) throw new UserError('model-download', `Downloading ${url} failed with HTTP ${res.status}.`, 'Try again later, or pick the model folder from disk.');
      // A dev server answers unknown paths with index.html: that is "no such file", not weights.
      if ((res.headers.get('content-type') ?? '').startsWith('text/html')) return undefined;
      const bytes = await readBody(res, path, o);
      if (cache) {
        await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) } }))
          .catch(() => { /* a full quota only costs a second download */ });
      }
      return bytes;
    },
  };
}

/** A model repository on the Hugging Face hub, at a pinned revision. */
export function hubFiles(repo: string, revision = 'main'): ModelFiles {
  const f = urlFiles(`https://huggingface.co/${repo}/resolve/${revision}/`);
  return { ...f, where: `huggingface.co/${repo}`, origin: { from: 'hub', model: repo, revision } };
}

/** A picked file with its path relative to the model folder (`config.json`, `1_Pooling/config.json`). */
export interface PickedFile { path: string; data: Blob }

/** Strips the picked folder's own name, so paths read `config.json` whatever the folder is called. */
export function normalizePicked(files: PickedFile[]): PickedFile[] {
  const paths = files.map((f) => f.path.replace(/^\/+/, ''));
  const hasTop = paths.length > 0 && !paths.includes('config.json') && paths.every((p) => p.includes('/'))
    && new Set(paths.map((p) => p.split('/')[0])).size === 1;
  return files.map((f, i) => ({ path: hasTop ? paths[i]!.split('/').slice(1).join('/') : paths[i]!, data: f.data }));
}

export function pickedFiles(files: PickedFile[]): ModelFiles {
  const byPath = new Map(normalizePicked(files).map((f) => [f.path, f.data]));
  return {
    where: 'the picked folder',
    origin: { from: 'files' },
    async read(path, o = {}) {
      throwIfAborted(o.signal);
      const blob = byPath.get(path);
      if (!blob) return undefined;
      const bytes = new Uint8Array(await blob.arrayBuffer());
      o.onProgress?.({ phase: 'download', done: bytes.length, total: bytes.length, detail: { file: path } });
      return bytes;
    },
  };
}
