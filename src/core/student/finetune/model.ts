/**
 * A fine-tuned transformer student in memory: the classifier (transformer/classifier.ts), the
 * tokenizer at the student's own length limit, and the model's config and tokenizer files (what
 * a record and a bundle carry beside the weights, so the student loads with nothing else).
 */
import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../../errors.js';
import type { BackendName } from '../backend.js';
import { Bert } from '../../transformer/bert.js';
import { BertClassifier } from '../../transformer/classifier.js';
import { parseBertConfig, type Pooling } from '../../transformer/config.js';
import { readSafetensors, writeSafetensors } from '../../transformer/safetensors.js';
import { BertTokenizer } from '../../transformer/tokenizer.js';
import { TokenRows, lengthBuckets } from './token-rows.js';

/** The files that describe the model besides its weights (the base model's own). */
export interface TransformerFiles {
  config: unknown;
  tokenizer: unknown;
  tokenizerConfig: unknown;
}

/**
 * Where a trained transformer is loaded and scored when nothing is named: the first that starts.
 * Fine-tuning with 'auto' times its candidates instead (kind.ts TRANSFORMER_AUTO). Node has wasm
 * and cpu (transformer/backend-node.ts).
 */
export const TRANSFORMER_BACKENDS: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * Padded tokens per forward pass when scoring (the sentence encoder's and the bundle's 32 × 128).
 * Each layer runs in its own tidy, so only one layer's intermediates are alive: 64 texts of 128
 * AG News word pieces in one tidy over the whole model asked tfjs's wasm backend for more than its
 * 4 GB and aborted the process.
 */
const SCORE_BATCH_TOKENS = 4096;

export class FineTunedTransformer {
  /**
   * The tfjs backend its weights were made on (the one set when it was built): it is scored there
   * (student.ts runs that as a job that puts the backend back after).
   */
  readonly backend: BackendName;

  constructor(readonly classifier: BertClassifier, readonly tokenizer: BertTokenizer, readonly files: TransformerFiles) {
    this.backend = tf.getBackend() as BackendName;
  }

  /** Builds a student from its files and a safetensors checkpoint (body + `classifier.*`). */
  static fromCheckpoint(files: TransformerFiles, weights: Uint8Array, o: { classes: number; pooling: Pooling; maxTokens: number }): FineTunedTransformer {
    const config = parseBertConfig(files.config as Record<string, unknown>);
    const tokenizer = new BertTokenizer(files.tokenizer as object, files.tokenizerConfig as object, o.maxTokens, config.padTokenId);
    return new FineTunedTransformer(BertClassifier.fromTensors(config, readSafetensors(weights), { pooling: o.pooling, classes: o.classes }), tokenizer, files);
  }

  /** Every weight (tensor accounting: a live student holds exactly these). */
  get weights(): tf.Variable[] {
    return [...this.classifier.variables().values()];
  }

  /** Texts → word-piece ids at this student's length limit. */
  encode(texts: string[]): TokenRows {
    return TokenRows.encode(texts, this.tokenizer, this.classifier.bert.config.vocabSize);
  }

  /**
   * Class probabilities per row, in row order: length-sorted batches (each padded to its own
   * longest text), every batch's tensors freed before the next.
   */
  async scores(rows: TokenRows, opts: { signal?: AbortSignal; batchSize?: number } = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = new Array(rows.rows);
    const order = Array.from({ length: rows.rows }, (_, i) => i);
    // Sorted by length, never shuffled: lengthBuckets with one chunk and a rand that keeps the order.
    const batches = lengthBuckets(order, (r) => rows.length(r), { batchSize: opts.batchSize ?? 64, maxTokens: SCORE_BATCH_TOKENS, chunk: rows.rows, rand: () => 0.999999 });
    const k = this.classifier.classes;
    for (const idx of batches) {
      throwIfAborted(opts.signal);
      const b = rows.batch(idx);
      const { bert } = this.classifier;
      const mask = tf.tensor2d(b.mask, [b.batch, b.seqLen], 'int32');
      const bias = tf.tidy(() => Bert.maskBias(mask));
      let x = tf.tidy(() => bert.embed(tf.tensor2d(b.ids, [b.batch, b.seqLen], 'int32')));
      let p: tf.Tensor;
      try {
        for (let l = 0; l < bert.config.numLayers; l++) {
          const next = tf.tidy(() => bert.layer(x, bias, l));
          x.dispose();
          x = next;
        }
        p = tf.tidy(() => tf.softmax(this.classifier.head(Bert.pool(x, mask, this.classifier.pooling))));
      } finally {
        tf.dispose([x, bias, mask]);
      }
      const data = (await p.data()) as Float32Array;
      p.dispose();
      idx.forEach((r, i) => { out[r] = data.slice(i * k, (i + 1) * k); });
      await new Promise((r) => setTimeout(r, 0));
    }
    return out;
  }

  /** The weights as a safetensors file (the record's and the bundle's `model.safetensors`). */
  async safetensors(): Promise<Uint8Array> {
    return writeSafetensors(await this.classifier.tensors(), { format: 'pt', producer: 'distillery' });
  }

  /** The weights training changes (early stopping copies only these): trainable body weights and the head. */
  trainable(): tf.Variable[] {
    return [...this.classifier.variables().values()].filter((v) => v.trainable);
  }

  getWeights(): tf.Tensor[] {
    return this.trainable();
  }

  setWeights(weights: tf.Tensor[]): void {
    const vars = this.trainable();
    if (weights.length !== vars.length) throw new Error(`fine-tuned transformer: ${weights.length} weights for ${vars.length} trainable variables`);
    vars.forEach((v, i) => v.assign(weights[i]!));
  }

  dispose(): void {
    this.classifier.dispose();
  }
}
