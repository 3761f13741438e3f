/**
 * The worker's `bundle` namespace (Export step): the core's bundle service over the app's
 * IndexedDB store, the word vectors the app serves itself and the sentence encoder. A bundle's
 * model runs on whatever tfjs backend is set, never while a training job switches it
 * (core/student/backend.ts).
 */
import { createBundleService } from '../core/bundle/service.js';
import { urlSource } from '../core/encode/word-vectors.js';
import { UserError } from '../core/errors.js';
import { isMinilmInput, type SentenceInput } from '../core/bundle/predictor.js';
import { ENCODER_BACKENDS, TransformerEncoder } from '../core/encode/transformer-encoder.js';
import { MINILM } from '../core/models/catalog.js';
import { IdbStore } from '../core/store/idb.js';
import { hubFiles, urlFiles } from '../core/transformer/files.js';
import { loadedSentenceEncoder } from './encode.js';

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
    return TransformerEncoder.load(files, { backends: ENCODER_BACKENDS });
  })();
  // A failed load (offline, no cache) is retried on the next text rather than remembered.
  minilm.catch(() => { minilm = undefined; });
  return (await minilm).encode(texts);
}

const service = createBundleService(
  () => (store ??= IdbStore.open()),
  { vectors: urlSource(new URL('vectors/', appBase()).href), embed },
);

type Service = typeof service;

// The predictor runs its tensor work as jobs of the backend policy (core/bundle/predictor.ts), and
// the sentence encoder its own, so these calls need no lane of their own.
export const bundleApi = {
  open: (bytes: Uint8Array, fileName: string) => service.open(bytes, fileName),
  predict: (handle: number, texts: string[]) => service.predict(handle, texts),
  close: (handle: number) => service.close(handle),
  importProject: (bytes: Uint8Array, fileName: string) => service.importProject(bytes, fileName),
  modelChoices: (projectId: string) => service.modelChoices(projectId),
  exportProject: (projectId: string, options?: Parameters<Service['exportProject']>[1]) => service.exportProject(projectId, options),
  exportDataset: (...args: Parameters<Service['exportDataset']>) => service.exportDataset(...args),
};
