/**
 * The word model's lookup + mean/max pooling, run in plain Float32Array math while training, with
 * sparse fine-tuning of the embedding table. tfjs's optimizers update a variable densely: Adam
 * over a 30k×100 table touches 3M floats (×3 with its moments) every batch, ~1.4 s per batch on
 * the CPU backend, though a batch of 32 sentences uses a few hundred rows. Here the table lives in
 * a Float32Array; each batch's gradient is spread onto only the unique rows it used (ids remapped
 * locally onto a small gradient block), and a lazy Adam updates only those rows
 * (moments of untouched rows stay as they are, as in TensorFlow's LazyAdam). The pooling is done
 * here too, forward and backward: tfjs's CPU kernels for the broadcasting ops in the gradients of
 * mean/max over time (Multiply, Equal, RealDiv, Transpose) took ~250 ms of a 300 ms step for a
 * batch of 32×50 tokens (measured with tf.profile), the same math in a loop takes ~1 ms. It
 * computes exactly what GlobalAveragePooling1D + GlobalMaxPooling1D + Concatenate compute (mean
 * and max over all maxTokens positions, padding included: its row is zero). The table is written
 * back into the stock Embedding layer before validation and saving, so the model stays a plain
 * layers model at inference.
 */
import * as tf from '@tensorflow/tfjs';
import { PAD } from './spec.js';

export interface BatchRows {
  /** Global row ids the batch uses, in first-seen order. */
  unique: Int32Array;
  /** The batch's token ids remapped to positions in `unique`, same shape as the input. */
  local: Int32Array;
}

export class SparseEmbedding {
  readonly rows: number;
  readonly dim: number;
  private readonly table: Float32Array;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly slot: Int32Array;
  private t = 0;

  constructor(private readonly layer: tf.layers.Layer, readonly lr: number, private readonly beta1 = 0.9, private readonly beta2 = 0.999, private readonly eps = 1e-8) {
    const w = layer.getWeights()[0];
    [this.rows, this.dim] = w.shape as [number, number];
    this.table = Float32Array.from(w.dataSync() as Float32Array);
    this.m = new Float32Array(this.table.length);
    this.v = new Float32Array(this.table.length);
    this.slot = new Int32Array(this.rows).fill(-1);
  }

  /** Unique ids of a batch and the batch remapped onto them (`keepSlots`: the caller clears `slot`). */
  batchRows(ids: Int32Array, keepSlots = false): BatchRows {
    const unique: number[] = [];
    const local = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      let s = this.slot[id];
      if (s < 0) { s = this.slot[id] = unique.length; unique.push(id); }
      local[i] = s;
    }
    if (!keepSlots) for (const id of unique) this.slot[id] = -1;
    return { unique: Int32Array.from(unique), local };
  }

  /** One lazy-Adam step on the rows `unique` with their gradient block. The padding row stays zero. */
  update(unique: Int32Array, grad: ArrayLike<number>): void {
    this.t++;
    const { dim, beta1: b1, beta2: b2, eps } = this;
    const step = this.lr * Math.sqrt(1 - b2 ** this.t) / (1 - b1 ** this.t);
    for (let i = 0; i < unique.length; i++) {
      if (unique[i] === PAD) continue;
      const o = unique[i] * dim;
      const go = i * dim;
      for (let j = 0; j < dim; j++) {
        const g = grad[go + j];
        const m = this.m[o + j] = b1 * this.m[o + j] + (1 - b1) * g;
        const v = this.v[o + j] = b2 * this.v[o + j] + (1 - b2) * g * g;
        this.table[o + j] -= step * m / (Math.sqrt(v) + eps);
      }
    }
  }

  /**
   * Forward: [mean ‖ max] over the T positions of each of the `b` rows of `ids` ([b, 2·dim],
   * row-major), with, for the backward pass, the table row that gave each max.
   */
  pool(ids: Int32Array, b: number, T: number): { pooled: Float32Array; argmax: Int32Array } {
    const { dim, table } = this;
    const pooled = new Float32Array(b * 2 * dim);
    const argmax = new Int32Array(b * dim);
    for (let i = 0; i < b; i++) {
      const mean = i * 2 * dim;
      const max = mean + dim;
      for (let t = 0; t < T; t++) {
        const r = ids[i * T + t];
        const o = r * dim;
        for (let j = 0; j < dim; j++) {
          const v = table[o + j];
          pooled[mean + j] += v;
          if (t === 0 || v > pooled[max + j]) { pooled[max + j] = v; argmax[i * dim + j] = r; }
        }
      }
      for (let j = 0; j < dim; j++) pooled[mean + j] /= T;
    }
    return { pooled, argmax };
  }

  /**
   * Backward + update: spreads d(loss)/d(pooled) onto the rows that produced it (mean: 1/T to
   * every position; max: all to the row that won) and takes one lazy-Adam step on those rows.
   */
  backward(ids: Int32Array, b: number, T: number, argmax: Int32Array, gradPooled: ArrayLike<number>): void {
    const { dim } = this;
    const rows = this.batchRows(ids, true);
    const grad = new Float32Array(rows.unique.length * dim);
    for (let i = 0; i < b; i++) {
      const gm = i * 2 * dim;
      for (let t = 0; t < T; t++) {
        const o = rows.local[i * T + t] * dim;
        for (let j = 0; j < dim; j++) grad[o + j] += gradPooled[gm + j] / T;
      }
      const gx = gm + dim;
      for (let j = 0; j < dim; j++) grad[this.slot[argmax[i * dim + j]] * dim + j] += gradPooled[gx + j];
    }
    for (const id of rows.unique) this.slot[id] = -1;
    this.update(rows.unique, grad);
  }

  /** Copies the table into the Embedding layer's weights (before validation or saving). */
  writeBack(): void {
    const t = tf.tensor2d(this.table, [this.rows, this.dim]);
    this.layer.setWeights([t]);
    t.dispose();
  }
}
