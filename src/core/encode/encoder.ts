/**
 * The one interface every text encoder implements: a batch of texts in, one Float32 vector per
 * text out. `id` names the encoder *and its exact weights/settings*, because it keys the embedding
 * cache in the store: two encoders that could produce different vectors must never share an id.
 */
import type { LongOpOptions } from '../progress.js';

/** Where a sentence encoder's weights come from, as a saved student names them. */
export type SentenceModelRef =
  | { from: 'hub'; model: string; revision: string }
  | { from: 'url'; url: string }
  /** A folder on the trainer's disk, or one the user picked: known by its weights' fingerprint. */
  | { from: 'local' | 'files'; fingerprint: string };

/**
 * What an encoder is, in full: enough for a saved student to say what its input was and for the
 * bundle to rebuild it elsewhere, without parsing `id`.
 */
export type EncoderSpec =
  | {
      kind: 'glove-pool';
      id: string;
      dim: number;
      pooling: 'mean' | 'mean-max';
      /** The word-vector table: its content hash, rows and row width. */
      table: { sha256: string; rows: number; dim: number };
    }
  | {
      kind: 'sentence';
      id: string;
      dim: number;
      model: SentenceModelRef;
      /** transformers.js dtype of the ONNX weights (fp32, fp16, q8). */
      dtype: string;
      pooling: 'mean';
      normalize: boolean;
      /** Inputs are cut to this many word pieces. */
      maxTokens: number;
    };

export interface Encoder {
  /** Stable cache key, e.g. `glove:<table sha>:100000:mean` or `st:hub:Xenova/all-MiniLM-L6-v2@main:q8`. */
  readonly id: string;
  readonly dim: number;
  /** The encoder described for a saved student (kind, weights, pooling). */
  readonly spec: EncoderSpec;
  /** Resolves to texts.length vectors of length `dim`, in input order. */
  encode(texts: string[], opts?: LongOpOptions): Promise<Float32Array[]>;
  /** Frees model sessions (ONNX, WebGPU buffers); the encoder is unusable afterwards. */
  dispose?(): Promise<void>;
}

/** Yields to the event loop so a long encode in a worker can see an abort and post progress. */
export const yieldToLoop = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
