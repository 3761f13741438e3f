/**
 * The worker's `bundle` namespace (Export step): the core's bundle service over the app's
 * IndexedDB store and the word vectors the app serves itself. A UserError comes back as a value
 * ({error, hint, code}), because Comlink would keep only an error's message.
 */
import * as tf from '@tensorflow/tfjs';
import { createBundleService } from '../core/bundle/service.js';
import { urlSource } from '../core/encode/word-vectors.js';
import { isUserError } from '../core/errors.js';
import { SentenceEncoder } from '../core/encode/sentence.js';
import { IdbStore } from '../core/store/idb.js';

export interface BundleFailure { error: string; hint?: string; code: string }
export type BundleResult<T> = { ok: true; value: T } | ({ ok: false } & BundleFailure);

let store: Promise<IdbStore> | undefined;
let sentence: { key: string; encoder: Promise<SentenceEncoder> } | undefined;

const appBase = () => new URL(import.meta.env.BASE_URL, self.location.origin).href;

/** A sentence-encoder bundle's encoder, from the hub (or the browser's cache of it), loaded once. */
async function embed(texts: string[], model: string, revision: string): Promise<Float32Array[]> {
  const key = `${model}@${revision}`;
  if (sentence?.key !== key) {
    const old = sentence;
    sentence = { key, encoder: SentenceEncoder.load({ source: { kind: 'hub', model, revision }, wasmBase: new URL('ort/', appBase()).href }) };
    void old?.encoder.then((e) => e.dispose()).catch(() => undefined);
    // A failed load (offline, no cache) is retried on the next text rather than remembered.
    sentence.encoder.catch(() => { if (sentence?.key === key) sentence = undefined; });
  }
  return (await sentence.encoder).encode(texts);
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
