/**
 * The worker's `bundle` namespace (Export step): the core's bundle service over the app's
 * IndexedDB store and the word vectors the app serves itself. A UserError comes back as a value
 * ({error, hint, code}), because Comlink would keep only an error's message.
 */
import * as tf from '@tensorflow/tfjs';
import { createBundleService } from '../core/bundle/service.js';
import { urlSource } from '../core/encode/word-vectors.js';
import { isUserError, UserError } from '../core/errors.js';
import { isMinilmInput, type SentenceInput } from '../core/bundle/predictor.js';
import { TransformerEncoder } from '../core/encode/transformer-encoder.js';
import { MINILM } from '../core/models/catalog.js';
import { IdbStore } from '../core/store/idb.js';
import { hubFiles, urlFiles } from '../core/transformer/files.js';
import { loadedSentenceEncoder } from './encode.js';

export interface BundleFailure { error: string; hint?: string; code: string }
export type BundleResult<T> = { ok: true; value: T } | ({ ok: false } & BundleFailure);

let store: Promise<IdbStore> | undefined;
let minilm: Promise<TransformerEncoder> | undefined;

const appBase = () => new URL(import.meta.env.BASE_URL, self.location.origin).href;
const MINILM_SHA = MINILM.files.find((f) => f.path === 'model.safetensors')!.sha256;

/**
 * A sentence-encoder bundle's encoder: the one loaded on the Train step when its weights match,
 * else MiniLM from the app's /models/ or the hub (kept by the browser's cache), loaded once.
 */
async function embed(texts: string[], input: SentenceInput): Promise<Float32Array[]> {
  const loaded = loadedSentenceEncoder();
  if (loaded && input.weightsSha256 && loaded.model.weightsSha256.startsWith(input.weightsSha256)) return loaded.encode(texts);
  if (!isMinilmInput(input, MINILM.hub!.repo, MINILM_SHA)) {
    throw new UserError('bundle-needs-encoder', `This student reads the vectors of a sentence encoder from a picked folder (${input.model}), which is not loaded.`,
      'Load that folder on the Train step (Pick a downloaded model folder), then try again.');
  }
  minilm ??= (async () => {
    const app = urlFiles(new URL(`models/${MINILM.id}/`, appBase()).href, { cache: false });
    const files = await app.read('config.json').catch(() => undefined) ? app : hubFiles(MINILM.hub!.repo, MINILM.hub!.revision);
    return TransformerEncoder.load(files);
  })();
  // A failed load (offline, no cache) is retried on the next text rather than remembered.
  minilm.catch(() => { minilm = undefined; });
  return (await minilm).encode(texts);
}

const service = createBundleService(
  () => (store ??= IdbStore.open()),
  { vectors: urlSource(new URL('vectors/', appBase()).href), embed },
);

async function result<T>(f: () => Promise<T>): Promise<BundleResult<T>> {
  try {
    // The worker registers WebGPU as tfjs's first choice, and its initialisation is asynchronous:
    // no op may run before the chosen backend is ready (or has fallen back to the next one).
    await tf.ready();
    return { ok: true, value: await f() };
  } catch (e) {
    if (isUserError(e)) return { ok: false, error: e.message, hint: e.hint, code: e.code };
    throw e;
  }
}

type Service = typeof service;

export const bundleApi = {
  open: (bytes: Uint8Array, fileName: string) => result(() => service.open(bytes, fileName)),
  predict: (handle: number, texts: string[]) => result(() => service.predict(handle, texts)),
  close: (handle: number) => service.close(handle),
  importProject: (bytes: Uint8Array, fileName: string) => result(() => service.importProject(bytes, fileName)),
  exportProject: (projectId: string, options?: Parameters<Service['exportProject']>[1]) => result(() => service.exportProject(projectId, options)),
  exportDataset: (...args: Parameters<Service['exportDataset']>) => result(() => service.exportDataset(...args)),
};
