/**
 * The one interface every text encoder implements: a batch of texts in, one Float32 vector per
 * text out. `id` names the encoder *and its exact weights/settings*, because it keys the embedding
 * cache in the store: two encoders that could produce different vectors must never share an id.
 */
import type { LongOpOptions } from '../progress.js';

export interface Encoder {
  /** Stable cache key, e.g. `glove-100d:100000:mean` or `hf:Xenova/all-MiniLM-L6-v2:q8`. */
  readonly id: string;
  readonly dim: number;
  /** Resolves to texts.length vectors of length `dim`, in input order. */
  encode(texts: string[], opts?: LongOpOptions): Promise<Float32Array[]>;
  /** Frees model sessions (ONNX, WebGPU buffers); the encoder is unusable afterwards. */
  dispose?(): Promise<void>;
}

/** Yields to the event loop so a long encode in a worker can see an abort and post progress. */
export const yieldToLoop = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
