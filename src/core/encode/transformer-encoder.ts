/**
 * The pretrained sentence encoder: the TensorFlow.js BERT (core/transformer) run frozen, one
 * vector per text exactly as sentence-transformers computes it (all-MiniLM-L6-v2: mean pooling
 * over the real tokens, then L2 normalization; bge-small: the [CLS] vector). Runs on whatever
 * tfjs backend is active: webgpu / webgl / wasm in the worker, wasm or cpu in Node.
 *
 * Texts are tokenized once, grouped into batches by length (short texts never pay for a long
 * one's padding) and each batch is padded to its own longest text; results come back in input
 * order. Every batch's tensors are freed before the next (tf.tidy), so encoding any number of
 * texts holds one batch's activations at a time.
 *
 * The tfjs backend is the backend policy's (core/student/backend.ts): loading asks it for the first
 * of a preference list that starts and makes the weights there; each encode is a job of its own on
 * that backend, so it never switches the backend under a training run of the same thread.
 */
import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../errors.js';
import { encoderByWeights } from '../models/catalog.js';
import type { LongOpOptions } from '../progress.js';
import { withBackend, type BackendName } from '../student/backend.js';
import { Bert } from '../transformer/bert.js';
import type { ModelFiles } from '../transformer/files.js';
import { buildSentenceTransformer, readSentenceTransformer, type LoadOptions, type SentenceTransformer } from '../transformer/load.js';
import { lengthBatches, type TokenBatch } from '../transformer/tokenizer.js';
import { yieldToLoop, type Encoder, type SentenceEncoderSpec, type SentenceModelRef } from './encoder.js';

/**
 * The backends a browser tries for the encoder, first that starts wins: a frozen BERT's matrix
 * products run fastest on the GPU (webgpu, else webgl), then wasm (XNNPACK), then plain cpu
 * (bench/transformer-speed.ts). Node has wasm and cpu (transformer/backend-node.ts).
 */
export const ENCODER_BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface TransformerEncoderOptions {
  /** Texts per forward pass (32 by default). */
  batchSize?: number;
  /** Most batch × tokens per forward pass; bounds activation memory for long texts. */
  maxBatchTokens?: number;
}

export interface TransformerLoadOptions extends LoadOptions, TransformerEncoderOptions {
  /**
   * The backends to make the weights on, in order of preference: the first that starts (the
   * backend policy sets it). Default: the backend that is set.
   */
  backends?: readonly BackendName[];
}

/**
 * The weights' source as a student records it: a model the catalog pins is named by its hub
 * repository wherever its copy came from (the app's /models/, `npm run models`, the hub), so a
 * bundle can fetch it anywhere; any other folder by its weights' fingerprint.
 */
export function sentenceModelRef(model: Pick<SentenceTransformer, 'weightsSha256' | 'origin'>): SentenceModelRef {
  const known = encoderByWeights(model.weightsSha256);
  if (known?.hub) return { from: 'hub', model: known.hub.repo, revision: known.hub.revision };
  const { origin } = model;
  if (origin.from === 'hub' || origin.from === 'url') return origin;
  return { from: origin.from, fingerprint: model.weightsSha256.slice(0, 16) };
}

/** [B,H] sentence vectors of one padded batch; call inside tf.tidy. */
export function sentenceEmbeddings(model: SentenceTransformer, batch: TokenBatch, training = false): tf.Tensor2D {
  const ids = tf.tensor2d(batch.ids, [batch.batch, batch.seqLen], 'int32'); // [B,T]
  const mask = tf.tensor2d(batch.mask, [batch.batch, batch.seqLen], 'int32'); // [B,T]
  const pooled = Bert.pool(model.bert.hidden(ids, mask, { training }), mask, model.sentence.pooling); // [B,H]
  return model.sentence.normalize ? Bert.l2Normalize(pooled) : pooled;
}

export class TransformerEncoder implements Encoder {
  readonly id: string;
  readonly dim: number;
  /**
   * The tfjs backend the weights were loaded on; encode() runs there even if something else
   * (a head student's timed backend choice) switched the global backend since, because running on
   * another backend would first copy all 90 MB of weights over.
   */
  readonly backend: BackendName;
  readonly spec: SentenceEncoderSpec;
  private readonly batchSize: number;
  private readonly maxBatchTokens: number;

  constructor(readonly model: SentenceTransformer, opts: TransformerEncoderOptions = {}) {
    const { sentence } = model;
    // The weights' hash, the pooling and the length limit: anything that changes a vector.
    this.id = `bert:${model.weightsSha256.slice(0, 16)}:${sentence.pooling}${sentence.normalize ? '-l2' : ''}:${sentence.maxTokens}`;
    this.dim = model.config.hiddenSize;
    this.batchSize = opts.batchSize ?? 32;
    this.maxBatchTokens = opts.maxBatchTokens ?? this.batchSize * 128;
    // Where the weights were made: the constructor runs in the job that made them (load below).
    this.backend = tf.getBackend() as BackendName;
    this.spec = {
      kind: 'sentence', id: this.id, dim: this.dim, model: sentenceModelRef(model), weightsSha256: model.weightsSha256,
      pooling: sentence.pooling, normalize: sentence.normalize, maxTokens: sentence.maxTokens,
    };
  }

  /** Reads the files (downloads, with progress) first; only making the weights is a backend job. */
  static async load(files: ModelFiles, opts: TransformerLoadOptions = {}): Promise<TransformerEncoder> {
    const read = await readSentenceTransformer(files, opts);
    throwIfAborted(opts.signal);
    return withBackend(opts.backends ?? 'current', async () => new TransformerEncoder(buildSentenceTransformer(read), opts));
  }

  /** One backend job per call (it waits for a running training job, then puts the backend back). */
  encode(texts: string[], opts: LongOpOptions = {}): Promise<Float32Array[]> {
    return withBackend(this.backend, () => this.encodeHere(texts, opts), { restore: true });
  }

  private async encodeHere(texts: string[], opts: LongOpOptions): Promise<Float32Array[]> {
    const { model } = this;
    const tokenized = texts.map((t) => model.tokenizer.encode(t));
    const out: Float32Array[] = new Array(texts.length);
    let done = 0;
    for (const batch of lengthBatches(tokenized, this.batchSize, model.config.padTokenId, this.maxBatchTokens)) {
      throwIfAborted(opts.signal);
      const vectors = tf.tidy(() => sentenceEmbeddings(model, batch));
      const data = await vectors.data() as Float32Array;
      vectors.dispose();
      batch.index.forEach((i, r) => { out[i] = data.slice(r * this.dim, (r + 1) * this.dim); });
      done += batch.batch;
      opts.onProgress?.({ phase: 'embed', done, total: texts.length, detail: { encoder: this.id, backend: this.backend } });
      await yieldToLoop();
    }
    return out;
  }

  async dispose(): Promise<void> {
    this.model.bert.dispose();
  }
}
