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
 */
import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../errors.js';
import type { LongOpOptions } from '../progress.js';
import { Bert } from '../transformer/bert.js';
import type { ModelFiles } from '../transformer/files.js';
import { loadSentenceTransformer, type LoadOptions, type SentenceTransformer } from '../transformer/load.js';
import { lengthBatches, type TokenBatch } from '../transformer/tokenizer.js';
import { yieldToLoop, type Encoder } from './encoder.js';

export interface TransformerEncoderOptions {
  /** Texts per forward pass (32 by default). */
  batchSize?: number;
  /** Most batch × tokens per forward pass; bounds activation memory for long texts. */
  maxBatchTokens?: number;
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
  readonly backend: string;
  private readonly batchSize: number;
  private readonly maxBatchTokens: number;

  constructor(readonly model: SentenceTransformer, opts: TransformerEncoderOptions = {}) {
    const { sentence } = model;
    // The weights' hash, the pooling and the length limit: anything that changes a vector.
    this.id = `bert:${model.weightsSha256.slice(0, 16)}:${sentence.pooling}${sentence.normalize ? '-l2' : ''}:${sentence.maxTokens}`;
    this.dim = model.config.hiddenSize;
    this.batchSize = opts.batchSize ?? 32;
    this.maxBatchTokens = opts.maxBatchTokens ?? this.batchSize * 128;
    this.backend = tf.getBackend();
  }

  static async load(files: ModelFiles, opts: LoadOptions & TransformerEncoderOptions = {}): Promise<TransformerEncoder> {
    return new TransformerEncoder(await loadSentenceTransformer(files, opts), opts);
  }

  async encode(texts: string[], opts: LongOpOptions = {}): Promise<Float32Array[]> {
    const previous = tf.getBackend();
    if (previous !== this.backend) await tf.setBackend(this.backend);
    try {
      return await this.encodeHere(texts, opts);
    } finally {
      if (previous !== this.backend) await tf.setBackend(previous);
    }
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
