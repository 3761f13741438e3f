/**
 * The sentence encoder: transformers.js `feature-extraction` (mean pooling over the attention
 * mask, then L2 normalization), default `Xenova/all-MiniLM-L6-v2`. Runs on WebGPU with WASM as
 * the fallback in the browser and on onnxruntime-node in Node.
 *
 * Where the model comes from (`ModelSource`):
 *   - `hub`:   a model id on the Hugging Face hub (cached by the browser's Cache API afterwards);
 *   - `url`:   a folder served over HTTP(S) that holds config.json, the tokenizer and onnx/;
 *   - `local`: (Node) a folder on disk, nothing is fetched (see `sentence-node.ts`);
 *   - `files`: (browser) files the user picked; served to transformers.js from memory through
 *              `env.fetch` under a virtual path, with remote models switched off, so nothing
 *              leaves the machine.
 * transformers.js keeps its settings in one global `env`; `configureEnv` sets all of it before
 * every load, so one source never inherits another's settings.
 *
 * onnxruntime-web's wasm files are served by the app (vite plugin `scripts/vite-ort-wasm.ts`);
 * the worker passes their URL as `wasmBase`, so no CDN is ever asked.
 */
import { UserError, throwIfAborted } from '../errors.js';
import { textHash } from '../dataset/hash.js';
import type { LongOpOptions } from '../progress.js';
import { yieldToLoop, type Encoder, type EncoderSpec, type SentenceModelRef } from './encoder.js';

export const DEFAULT_SENTENCE_MODEL = 'Xenova/all-MiniLM-L6-v2';
/** all-MiniLM-L6-v2 was trained on 256 word pieces (sentence-transformers' max_seq_length). */
export const DEFAULT_MAX_TOKENS = 256;

export type Dtype = 'fp32' | 'fp16' | 'q8';
export type SentenceDevice = 'auto' | 'webgpu' | 'wasm' | 'cpu';

export type ModelSource =
  | { kind: 'hub'; model: string; revision?: string }
  | { kind: 'url'; url: string }
  /** `fingerprint` identifies the weights for the cache (sentence-node.ts computes it). */
  | { kind: 'local'; path: string; fingerprint: string }
  | { kind: 'files'; files: PickedFile[]; fingerprint?: string };

/** A picked file with its path relative to the model folder (`onnx/model.onnx`, `config.json`). */
export interface PickedFile { path: string; data: Blob }

export interface SentenceEncoderOptions extends LongOpOptions {
  source?: ModelSource;
  device?: SentenceDevice;
  /** Which onnx/ file: fp32 = model.onnx, fp16 = model_fp16.onnx, q8 = model_quantized.onnx. */
  dtype?: Dtype;
  /** Texts per forward pass. */
  batchSize?: number;
  maxTokens?: number;
  /** URL folder holding ort-wasm-simd-threaded.asyncify.{mjs,wasm} (browser only). */
  wasmBase?: string;
}

const DTYPE_FILE: Record<Dtype, string> = { fp32: 'model.onnx', fp16: 'model_fp16.onnx', q8: 'model_quantized.onnx' };
/**
 * Virtual folder for picked files. A path, not a URL: transformers.js only probes "local" files
 * (tokenizer_config.json…) when localModelPath is not an http(s) URL.
 */
const PICKED_ROOT = '/__distillery_picked__/';
const isBrowser = typeof (globalThis as { document?: unknown; WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined'
  || typeof (globalThis as { document?: unknown }).document !== 'undefined';

type Transformers = typeof import('@huggingface/transformers');
// The pipeline's own type is a deep union; this is the slice we use.
interface Extractor {
  (texts: string[], o: { pooling: 'mean'; normalize: boolean }): Promise<{ data: Float32Array; dims: number[]; dispose?: () => void }>;
  tokenizer: { _tokenizerConfig?: { model_max_length?: number } };
  model: { config: { hidden_size?: number } };
  dispose(): Promise<void>;
}

/** Normalises a picked folder: strips the top folder name so paths read `onnx/model.onnx`. */
export function normalizePicked(files: PickedFile[]): PickedFile[] {
  const paths = files.map((f) => f.path.replace(/^\/+/, ''));
  const hasTop = paths.length > 0 && !paths.some((p) => p === 'config.json') && paths.every((p) => p.includes('/'))
    && new Set(paths.map((p) => p.split('/')[0])).size === 1;
  return files.map((f, i) => ({ path: hasTop ? paths[i]!.split('/').slice(1).join('/') : paths[i]!, data: f.data }));
}

/** Checks a local or picked folder has what transformers.js needs and chooses the onnx file. */
export function checkModelFolder(paths: string[], dtype?: Dtype): Dtype {
  const missing = ['config.json', 'tokenizer.json', 'tokenizer_config.json'].filter((p) => !paths.includes(p));
  const onnx = (Object.keys(DTYPE_FILE) as Dtype[]).filter((d) => paths.includes(`onnx/${DTYPE_FILE[d]}`));
  if (missing.length || onnx.length === 0) {
    throw new UserError('model-folder-incomplete',
      `The model folder is missing ${[...missing, ...(onnx.length ? [] : ['onnx/model.onnx (or model_quantized.onnx / model_fp16.onnx)'])].join(', ')}.`,
      'Pick the whole folder of an ONNX export (like Xenova/all-MiniLM-L6-v2): config.json, tokenizer.json, tokenizer_config.json and onnx/.');
  }
  if (dtype && !onnx.includes(dtype)) {
    throw new UserError('model-folder-incomplete', `The model folder has no onnx/${DTYPE_FILE[dtype]}.`,
      `Choose one of: ${onnx.map((d) => DTYPE_FILE[d]).join(', ')}.`);
  }
  return dtype ?? onnx[0]!;
}

async function sha256Hex(data: ArrayBuffer): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

interface Resolved { model: string; dtype: Dtype; id: string; ref: SentenceModelRef; cacheDir?: string }

let HUB: { host: string; template: string; fsCache: boolean };

async function configureEnv(t: Transformers, source: ModelSource, opts: SentenceEncoderOptions): Promise<Resolved> {
  const { env } = t;
  HUB ??= { host: env.remoteHost, template: env.remotePathTemplate, fsCache: env.useFSCache };
  if (opts.wasmBase && env.backends.onnx.wasm) {
    const base = opts.wasmBase.endsWith('/') ? opts.wasmBase : opts.wasmBase + '/';
    env.backends.onnx.wasm.wasmPaths = { mjs: `${base}ort-wasm-simd-threaded.asyncify.mjs`, wasm: `${base}ort-wasm-simd-threaded.asyncify.wasm` };
    // The wasm cache re-imports the factory from a blob: URL, which the app's CSP (script-src
    // 'self') refuses; the files come from the app's own origin, so the HTTP cache serves offline.
    env.useWasmCache = false;
  }
  env.fetch = globalThis.fetch.bind(globalThis);
  // The browser's Cache API keeps hub and URL downloads for offline use; picked files are
  // already local, so they are not copied into it.
  env.useBrowserCache = source.kind !== 'files' && typeof caches !== 'undefined';
  switch (source.kind) {
    case 'hub': {
      env.useFSCache = HUB.fsCache;
      env.remoteHost = HUB.host;
      env.remotePathTemplate = HUB.template;
      env.allowRemoteModels = true;
      env.allowLocalModels = false;
      const dtype = opts.dtype ?? 'q8';
      const revision = source.revision ?? 'main';
      return { model: source.model, dtype, id: `st:hub:${source.model}@${revision}:${dtype}`, ref: { from: 'hub', model: source.model, revision } };
    }
    case 'url': {
      // Served like a hub mirror: remoteHost is the parent URL, the folder name is the model id.
      // (As a "local" http path, transformers.js would skip probing for the tokenizer files.)
      const u = new URL(source.url.replace(/\/+$/, ''));
      const name = u.pathname.split('/').pop() ?? '';
      if (!/^[\w.-]+$/.test(name)) {
        throw new UserError('model-url', `The model URL ${source.url} must end in the model folder's name.`, 'Give the URL of the folder that holds config.json and onnx/.');
      }
      env.allowRemoteModels = true;
      env.allowLocalModels = false;
      env.remoteHost = new URL('./', u.href).href;
      env.remotePathTemplate = '{model}/';
      env.useFSCache = HUB.fsCache;
      const dtype = opts.dtype ?? 'q8';
      // Node's file cache keys by model name only, so each URL gets its own cache folder; the
      // browser's Cache API already keys by full URL.
      const cacheDir = env.cacheDir ? `${env.cacheDir.replace(/\/+$/, '')}/by-url/${textHash(u.href)}` : undefined;
      return { model: name, dtype, id: `st:url:${u.href}:${dtype}`, ref: { from: 'url', url: u.href }, cacheDir };
    }
    case 'local': {
      env.useFSCache = HUB.fsCache;
      // The absolute path itself is the model id (not a valid hub id, so transformers.js reads
      // `<path>/<file>` directly): two folders with the same name never share memoized files.
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      const dtype = opts.dtype ?? 'fp32';
      return { model: source.path.replace(/\/+$/, ''), dtype, id: `st:local:${source.fingerprint}:${dtype}`, ref: { from: 'local', fingerprint: source.fingerprint } };
    }
    case 'files': {
      const files = normalizePicked(source.files);
      const byPath = new Map(files.map((f) => [f.path, f.data]));
      const dtype = checkModelFolder([...byPath.keys()], opts.dtype);
      const fingerprint = source.fingerprint
        ?? (await sha256Hex(await byPath.get(`onnx/${DTYPE_FILE[dtype]}`)!.arrayBuffer())).slice(0, 16);
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      const root = PICKED_ROOT;
      // The fingerprint in the name keeps two different picked folders apart in any cache.
      const name = `picked-${fingerprint}`;
      env.localModelPath = root;
      const realFetch = globalThis.fetch.bind(globalThis);
      env.fetch = async (input: string | URL, init?: RequestInit) => {
        const href = typeof input === 'string' ? input : input.href;
        const path = href.startsWith('/') ? href : new URL(href, 'http://unused/').pathname;
        const prefix = `${root}${name}/`;
        if (!path.startsWith(prefix)) return realFetch(input, init);
        const blob = byPath.get(decodeURIComponent(path.slice(prefix.length).split('?')[0]!));
        // A 404 for optional files (generation_config.json…) is what transformers.js expects.
        return blob ? new Response(blob, { status: 200, headers: { 'content-length': String(blob.size) } }) : new Response(null, { status: 404 });
      };
      return { model: name, dtype, id: `st:files:${fingerprint}:${dtype}`, ref: { from: 'files', fingerprint } };
    }
  }
}

function devicesFor(device: SentenceDevice): Array<'webgpu' | 'wasm' | 'cpu'> {
  if (!isBrowser) return ['cpu'];
  if (device === 'auto') {
    const gpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
    return gpu ? ['webgpu', 'wasm'] : ['wasm'];
  }
  return [device === 'cpu' ? 'wasm' : device];
}

export class SentenceEncoder implements Encoder {
  private constructor(
    readonly spec: Extract<EncoderSpec, { kind: 'sentence' }>,
    /** The device that actually loaded (after any fallback). */
    readonly device: string,
    private extractor: Extractor | undefined,
    private readonly batchSize: number,
  ) {}

  get id(): string { return this.spec.id; }
  get dim(): number { return this.spec.dim; }

  /** Loads tokenizer and ONNX session; errors the user can fix come back as UserError. */
  static async load(opts: SentenceEncoderOptions = {}): Promise<SentenceEncoder> {
    throwIfAborted(opts.signal);
    const source = opts.source ?? { kind: 'hub', model: DEFAULT_SENTENCE_MODEL };
    const t = await import('@huggingface/transformers');
    const resolved = await configureEnv(t, source, opts);
    let lastError: unknown;
    for (const device of devicesFor(opts.device ?? 'auto')) {
      throwIfAborted(opts.signal);
      try {
        // transformers.js types `pipeline` as a union over every task, too deep for TypeScript to
        // compare with this slice; feature-extraction returns exactly it (the one cast in the app).
        const extractor = (await t.pipeline('feature-extraction', resolved.model, {
          device,
          dtype: resolved.dtype,
          cache_dir: resolved.cacheDir,
          revision: source.kind === 'hub' ? source.revision : undefined,
          progress_callback: (p: { status?: string; file?: string; loaded?: number; total?: number }) => {
            if (p.status === 'progress' && p.total) {
              opts.onProgress?.({ phase: 'load-model', done: p.loaded ?? 0, total: p.total, detail: { file: p.file } });
            }
          },
        })) as unknown as Extractor;
        const cfg = extractor.tokenizer._tokenizerConfig;
        // Truncate like sentence-transformers does; longer inputs cost time for no gain.
        if (cfg) cfg.model_max_length = Math.min(cfg.model_max_length ?? Infinity, opts.maxTokens ?? DEFAULT_MAX_TOKENS);
        const dim = extractor.model.config.hidden_size;
        if (!dim) throw new UserError('model-config', 'The model config.json has no hidden_size.', 'Use a BERT-style sentence-embedding model export.');
        const maxTokens = opts.maxTokens ?? DEFAULT_MAX_TOKENS;
        const spec = { kind: 'sentence', id: resolved.id, dim, model: resolved.ref, dtype: resolved.dtype, pooling: 'mean', normalize: true, maxTokens } as const;
        return new SentenceEncoder(spec, device, extractor, opts.batchSize ?? 16);
      } catch (e) {
        if (e instanceof UserError) throw e;
        lastError = e;
      }
    }
    throw explainLoadError(lastError, source);
  }

  async encode(texts: string[], opts: LongOpOptions = {}): Promise<Float32Array[]> {
    const ex = this.extractor;
    if (!ex) throw new Error('SentenceEncoder used after dispose()');
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      throwIfAborted(opts.signal);
      // Empty strings would tokenize to [CLS][SEP] only; keep them, the model handles it.
      const batch = texts.slice(start, start + this.batchSize);
      const t = await ex(batch, { pooling: 'mean', normalize: true });
      const [n, d] = t.dims as [number, number];
      for (let i = 0; i < n; i++) out.push(t.data.slice(i * d, (i + 1) * d));
      t.dispose?.();
      opts.onProgress?.({ phase: 'embed', done: out.length, total: texts.length, detail: { encoder: this.id, device: this.device } });
      await yieldToLoop();
    }
    return out;
  }

  async dispose(): Promise<void> {
    const ex = this.extractor;
    this.extractor = undefined;
    await ex?.dispose();
  }
}

function explainLoadError(e: unknown, source: ModelSource): Error {
  const msg = e instanceof Error ? e.message : String(e);
  if (/allowRemoteModels|not found locally|Could not locate file|404|ENOENT|no such file/i.test(msg)) {
    const where = source.kind === 'hub' ? `the hub model ${source.model}` : source.kind === 'url' ? source.url : source.kind === 'local' ? source.path : 'the picked folder';
    return new UserError('model-not-found', `The sentence encoder could not find its files in ${where}: ${msg}`,
      source.kind === 'hub'
        ? 'Check the connection to huggingface.co, or pick a downloaded model folder, or use the GloVe encoder, which works offline.'
        : 'The folder needs config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx (or model_quantized.onnx).');
  }
  if (/fetch|network|Failed to fetch|ENOTFOUND|ECONN/i.test(msg)) {
    return new UserError('model-offline', `The sentence encoder could not be downloaded: ${msg}`,
      'Check the network, pick a downloaded model folder, or use the GloVe encoder, which works offline.');
  }
  return e instanceof Error ? e : new Error(msg);
}
