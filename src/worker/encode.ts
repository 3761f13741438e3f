/**
 * The worker's `encode` namespace: loads the pretrained sentence encoder (the TF.js BERT of
 * core/transformer) off the main thread and embeds texts with it; also keeps the app's GloVe table.
 *
 * Where the encoder comes from:
 *   - `app`:   the app's own /models/all-MiniLM-L6-v2/ (what `npm run models` installs); when the
 *              app has no copy, the Hugging Face hub, downloaded once into the browser's cache;
 *   - `hub`:   a sentence-transformers repository on the hub (safetensors + tokenizer files);
 *   - `files`: a model folder the user picked from disk (nothing is uploaded or fetched).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-wasm';
import { TransformerEncoder } from '../core/encode/transformer-encoder.js';
import { isUserError } from '../core/errors.js';
import { GloveEncoder, type GlovePooling } from '../core/encode/glove.js';
import { loadWordVectors, urlSource, type WordVectors } from '../core/encode/word-vectors.js';
import { MINILM } from '../core/models/catalog.js';
import type { Progress } from '../core/progress.js';
import type { BackendName } from '../core/student/backend.js';
import { hubFiles, pickedFiles, urlFiles, type ModelFiles, type PickedFile } from '../core/transformer/files.js';

export type EncoderSourceRequest =
  | { kind: 'app' }
  | { kind: 'hub'; repo: string; revision?: string }
  | { kind: 'files'; files: PickedFile[] };

export interface LoadEncoderRequest {
  source: EncoderSourceRequest;
  /** A tfjs backend, or undefined for the fastest this browser starts (webgpu, webgl, wasm, cpu). */
  backend?: BackendName;
}

export interface LoadedEncoder {
  id: string;
  dim: number;
  /** The tfjs backend the encoder runs on. */
  backend: string;
  /** Where the files came from, in words ("this app", "huggingface.co/…", "the picked folder"). */
  from: string;
  /** The model's hub repository when it is a known one (for the bundle and the model card). */
  repo?: string;
}

/** What crosses the Comlink boundary for a failure the user can act on. */
export interface EncodeFailure { error: string; hint?: string; code: string }

let sentence: { encoder: TransformerEncoder; info: LoadedEncoder } | undefined;
let vectors: Promise<WordVectors> | undefined;
const glove = new Map<GlovePooling, GloveEncoder>();

/** The app's GloVe table (public/vectors/), fetched once per worker and shared by every user of it. */
export function appWordVectors(): Promise<WordVectors> {
  vectors ??= loadWordVectors(urlSource(new URL('vectors/', appBase()).href)).catch((e: unknown) => {
    vectors = undefined; // a failed fetch can be retried
    throw e;
  });
  return vectors;
}

function appBase(): string {
  return new URL(import.meta.env.BASE_URL, self.location.origin).href;
}

const ENCODER_BACKENDS: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

// tfjs-backend-webgpu batches 15 dispatches per command submission by default. With the BERT's
// sequence of ops that gave wrong numbers on WebGPU (SwiftShader: layer 2 of the tiny test BERT
// off by 2.8, MiniLM's vectors by 0.3, where each op alone matched the cpu backend, and the error
// moved with the ops around it); one dispatch per submission gives 2.4e-7 from PyTorch
// (tests/e2e/encoder.spec.ts). Set for the whole worker, since the flag is global to tfjs.
tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 1);

/** Sets the requested backend, or the first that starts in the order transformers run fastest. */
async function useBackend(wanted?: BackendName): Promise<string> {
  for (const b of wanted ? [wanted] : ENCODER_BACKENDS) {
    if (tf.findBackendFactory(b) && await tf.setBackend(b).catch(() => false)) return b;
  }
  throw new Error(`No tfjs backend could start${wanted ? ` (${wanted} was asked for)` : ''}.`);
}

/** The app's copy of MiniLM when it has one, else the hub. */
async function resolveSource(src: EncoderSourceRequest): Promise<{ files: ModelFiles; from: string; repo?: string }> {
  if (src.kind === 'files') return { files: pickedFiles(src.files), from: 'the picked folder' };
  if (src.kind === 'hub') return { files: hubFiles(src.repo, src.revision), from: `huggingface.co/${src.repo}`, repo: src.repo };
  // Served by the app itself: the browser's HTTP cache keeps it, no second copy in the Cache API.
  const app = urlFiles(new URL(`models/${MINILM.id}/`, appBase()).href, { cache: false });
  if (await app.read('config.json').catch(() => undefined)) return { files: app, from: 'this app', repo: MINILM.hub!.repo };
  return { files: hubFiles(MINILM.hub!.repo, MINILM.hub!.revision), from: `huggingface.co/${MINILM.hub!.repo}`, repo: MINILM.hub!.repo };
}

export const encodeApi = {
  /** Loads the sentence encoder (replacing any loaded one); progress is bytes of its files. */
  async loadEncoder(req: LoadEncoderRequest, onProgress?: (p: Progress) => void): Promise<LoadedEncoder | EncodeFailure> {
    await sentence?.encoder.dispose();
    sentence = undefined;
    try {
      const { files, from, repo } = await resolveSource(req.source);
      const backend = await useBackend(req.backend);
      const weightsBytes = req.source.kind === 'app' ? MINILM.files.find((f) => f.path === 'model.safetensors')!.bytes : undefined;
      const encoder = await TransformerEncoder.load(files, { onProgress, weightsBytes });
      const info: LoadedEncoder = { id: encoder.id, dim: encoder.dim, backend, from, ...(repo ? { repo } : {}) };
      sentence = { encoder, info };
      return info;
    } catch (e) {
      if (isUserError(e)) return { error: e.message, hint: e.hint, code: e.code };
      throw e;
    }
  },

  /** The loaded encoder, if any (a reload of the page keeps the worker's). */
  loadedEncoder(): LoadedEncoder | undefined {
    return sentence?.info;
  },

  async embed(texts: string[], onProgress?: (p: Progress) => void): Promise<Float32Array[]> {
    if (!sentence) throw new Error('embed before loadEncoder');
    return sentence.encoder.encode(texts, { onProgress });
  },

  async disposeEncoder(): Promise<void> {
    await sentence?.encoder.dispose();
    sentence = undefined;
  },

  async loadGlove(pooling: GlovePooling = 'mean'): Promise<LoadedEncoder | EncodeFailure> {
    try {
      let enc = glove.get(pooling);
      if (!enc) glove.set(pooling, (enc = new GloveEncoder(await appWordVectors(), { pooling })));
      return { id: enc.id, dim: enc.dim, backend: 'cpu', from: 'this app' };
    } catch (e) {
      if (isUserError(e)) return { error: e.message, hint: e.hint, code: e.code };
      throw e;
    }
  },

  async embedGlove(texts: string[], pooling: GlovePooling = 'mean'): Promise<Float32Array[]> {
    const enc = glove.get(pooling);
    if (!enc) throw new Error('embedGlove before loadGlove');
    return enc.encode(texts);
  },
};

/** For the worker's other namespaces (training a head on the encoder's vectors). */
export function loadedSentenceEncoder(): TransformerEncoder | undefined {
  return sentence?.encoder;
}
