/**
 * The worker's `encode` namespace: loads the pretrained sentence encoder (the TF.js BERT of
 * core/transformer) off the main thread and embeds texts with it; also keeps the app's GloVe table.
 *
 * Where the encoder comes from:
 *   - `app`:   the app's own /models/all-MiniLM-L6-v2/ (what `npm run models` installs); when the
 *              app has no copy, the Hugging Face hub, downloaded once into the browser's cache;
 *   - `hub`:   a sentence-transformers repository on the hub (safetensors + tokenizer files);
 *   - `files`: a model folder the user picked from disk (nothing is uploaded or fetched).
 * Its weights are made on the backend the backend policy starts (core/student/backend.ts), and
 * every embed is a job of that policy, so it never switches the backend under a training run.
 */
import { ENCODER_BACKENDS, TransformerEncoder } from '../core/encode/transformer-encoder.js';
import { GloveEncoder, type GlovePooling } from '../core/encode/glove.js';
import { loadWordVectors, urlSource, type WordVectors } from '../core/encode/word-vectors.js';
import { MINILM } from '../core/models/catalog.js';
import type { Progress } from '../core/progress.js';
import type { BackendName } from '../core/student/backend.js';
import { hubFiles, pickedFiles, urlFiles, type ModelFiles, type PickedFile } from '../core/transformer/files.js';
import { readSentenceTransformer, type SentenceTransformerFiles } from '../core/transformer/load.js';
import { encoderByWeights } from '../core/models/catalog.js';

export type EncoderSourceRequest =
  | { kind: 'app' }
  | { kind: 'hub'; repo: string; revision?: string }
  | { kind: 'files'; files: PickedFile[] };

export interface LoadEncoderRequest {
  source: EncoderSourceRequest;
  /** A tfjs backend, or undefined for the first this browser starts (ENCODER_BACKENDS: webgpu, webgl, wasm, cpu). */
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

/** The pretrained transformer a fine-tuned student starts from: read, not yet made into tensors. */
export interface LoadedPretrained {
  /** sha256 of its weights (hex): the same model loaded again has the same id. */
  id: string;
  /** Its name when the catalog knows its weights, else a short form of the id. */
  name: string;
  from: string;
  source: EncoderSourceRequest['kind'];
  repo?: string;
  megabytes: number;
  layers: number;
}

let pretrained: { read: SentenceTransformerFiles; info: LoadedPretrained } | undefined;
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
  async loadEncoder(req: LoadEncoderRequest, onProgress?: (p: Progress) => void): Promise<LoadedEncoder> {
    await sentence?.encoder.dispose();
    sentence = undefined;
    const { files, from, repo } = await resolveSource(req.source);
    const weightsBytes = req.source.kind === 'app' ? MINILM.files.find((f) => f.path === 'model.safetensors')!.bytes : undefined;
    // The backend policy starts the first of these that works and makes the weights there.
    const encoder = await TransformerEncoder.load(files, { onProgress, weightsBytes, backends: req.backend ? [req.backend] : ENCODER_BACKENDS });
    const info: LoadedEncoder = { id: encoder.id, dim: encoder.dim, backend: encoder.backend, from, ...(repo ? { repo } : {}) };
    sentence = { encoder, info };
    return info;
  },

  /**
   * Reads the pretrained transformer for fine-tuning (replacing any read before). Only its files
   * are kept: every training makes its own trainable copy of the weights on its backend.
   */
  async loadPretrained(req: { source: EncoderSourceRequest }, onProgress?: (p: Progress) => void): Promise<LoadedPretrained> {
    pretrained = undefined;
    const { files, from, repo } = await resolveSource(req.source);
    const weightsBytes = req.source.kind === 'app' ? MINILM.files.find((f) => f.path === 'model.safetensors')!.bytes : undefined;
    const read = await readSentenceTransformer(files, { onProgress, weightsBytes });
    const known = encoderByWeights(read.weightsSha256);
    const info: LoadedPretrained = {
      id: read.weightsSha256, name: known?.id ?? `a BERT model (${read.weightsSha256.slice(0, 8)})`, from, source: req.source.kind,
      ...(repo ? { repo } : {}), megabytes: Math.round(read.weights.byteLength / 1e6), layers: read.config.numLayers,
    };
    pretrained = { read, info };
    return info;
  },

  loadedPretrained(): LoadedPretrained | undefined {
    return pretrained?.info;
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

  async loadGlove(pooling: GlovePooling = 'mean'): Promise<LoadedEncoder> {
    let enc = glove.get(pooling);
    if (!enc) glove.set(pooling, (enc = new GloveEncoder(await appWordVectors(), { pooling })));
    return { id: enc.id, dim: enc.dim, backend: 'cpu', from: 'this app' };
  },

  async embedGlove(texts: string[], pooling: GlovePooling = 'mean'): Promise<Float32Array[]> {
    const enc = glove.get(pooling);
    if (!enc) throw new Error('embedGlove before loadGlove');
    return enc.encode(texts);
  },
};

/** The pretrained transformer read for fine-tuning, for the worker's training. */
export function loadedPretrained(): SentenceTransformerFiles | undefined {
  return pretrained?.read;
}

/** For the worker's other namespaces (training a head on the encoder's vectors). */
export function loadedSentenceEncoder(): TransformerEncoder | undefined {
  return sentence?.encoder;
}
