/**
 * The word-vector encoder: tokenize, look up GloVe rows, pool. Works fully offline (the table is
 * served by the app / read from disk), so it is the default wherever the hub cannot be reached.
 *
 * Pooling: `mean` (dim d) or `mean-max` (dim 2d, mean concatenated with the per-dimension max),
 * which keeps a strong single word ("awful") from being averaged away in a long text.
 * A text with no known token gets the zero vector (the student sees "no evidence", not NaN).
 */
import { throwIfAborted } from '../errors.js';
import type { LongOpOptions } from '../progress.js';
import { yieldToLoop, type Encoder, type EncoderSpec } from './encoder.js';
import { tokenize } from './tokenize.js';
import { lookupTokens, type WordVectors } from './word-vectors.js';

export type GlovePooling = 'mean' | 'mean-max';

export interface GloveEncoderOptions {
  pooling?: GlovePooling;
  /** Texts per progress report / abort check. */
  chunk?: number;
}

export class GloveEncoder implements Encoder {
  readonly id: string;
  readonly dim: number;
  readonly pooling: GlovePooling;
  private readonly chunk: number;

  constructor(readonly wv: WordVectors, opts: GloveEncoderOptions = {}) {
    this.pooling = opts.pooling ?? 'mean';
    this.chunk = opts.chunk ?? 512;
    this.dim = this.pooling === 'mean' ? wv.dim : 2 * wv.dim;
    // The table's content hash is in the id, so a rebuilt table never reuses stale cache entries.
    this.id = `glove:${wv.header.sha256.bin.slice(0, 12)}:${wv.words.length}:${this.pooling}`;
  }

  get spec(): EncoderSpec {
    return { kind: 'glove-pool', id: this.id, dim: this.dim, pooling: this.pooling, table: { sha256: this.wv.header.sha256.bin, rows: this.wv.words.length, dim: this.wv.dim } };
  }

  /** Pools one text; exported through the class so the bundle's inference can mirror it. */
  embed(text: string): Float32Array {
    const { dim, vectors } = this.wv;
    const out = new Float32Array(this.dim);
    const ids = lookupTokens(this.wv, tokenize(text)).filter((i) => i >= 0);
    if (ids.length === 0) return out;
    const max = this.pooling === 'mean-max' ? new Float32Array(dim).fill(-Infinity) : undefined;
    for (const id of ids) {
      const o = id * dim;
      for (let j = 0; j < dim; j++) {
        const v = vectors[o + j]!;
        out[j]! += v;
        if (max && v > max[j]!) max[j] = v;
      }
    }
    for (let j = 0; j < dim; j++) out[j]! /= ids.length;
    if (max) out.set(max, dim);
    return out;
  }

  async encode(texts: string[], opts: LongOpOptions = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = new Array(texts.length);
    for (let start = 0; start < texts.length; start += this.chunk) {
      throwIfAborted(opts.signal);
      const end = Math.min(texts.length, start + this.chunk);
      for (let i = start; i < end; i++) out[i] = this.embed(texts[i]!);
      opts.onProgress?.({ phase: 'embed', done: end, total: texts.length, detail: { encoder: this.id } });
      if (end < texts.length) await yieldToLoop();
    }
    return out;
  }
}
