/**
 * The worker's `bundle` namespace (Export step): the core's bundle service over the app's
 * IndexedDB store and the word vectors the app serves itself. A bundle's model runs on whatever
 * tfjs backend is set, never while a training job switches it (core/student/backend.ts).
 */
import { createBundleService } from '../core/bundle/service.js';
import { urlSource } from '../core/encode/word-vectors.js';
import { SentenceEncoder } from '../core/encode/sentence.js';
import { IdbStore } from '../core/store/idb.js';
import { withBackend } from '../core/student/backend.js';

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

type Service = typeof service;

/** Runs a service call that touches tensors; the worker's WebGPU backend initialises asynchronously, and withBackend waits for it. */
const tensors = <T>(f: () => Promise<T>): Promise<T> => withBackend('current', f);

export const bundleApi = {
  open: (bytes: Uint8Array, fileName: string) => tensors(() => service.open(bytes, fileName)),
  predict: (handle: number, texts: string[]) => tensors(() => service.predict(handle, texts)),
  close: (handle: number) => tensors(() => service.close(handle)),
  importProject: (bytes: Uint8Array, fileName: string) => service.importProject(bytes, fileName),
  exportProject: (projectId: string, options?: Parameters<Service['exportProject']>[1]) => service.exportProject(projectId, options),
  exportDataset: (...args: Parameters<Service['exportDataset']>) => service.exportDataset(...args),
};
