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
  /** A folder on the trainer's disk, or one the user picked: known by its weights' fingerprint (the sha256's first 16 hex digits). */
  | { from: 'local' | 'files'; fingerprint: string };

/** The pretrained sentence encoder (encode/transformer-encoder.ts: the core's TF.js BERT), in full. */
export interface SentenceEncoderSpec {
  kind: 'sentence';
  id: string;
  dim: number;
  model: SentenceModelRef;
  /** sha256 of the encoder's model.safetensors (hex): the exact weights, whatever the source. */
  weightsSha256: string;
  /** mean over the real tokens (all-MiniLM-L6-v2) or the [CLS] vector (bge-small). */
  pooling: 'mean' | 'cls';
  /** L2-normalized after pooling, as sentence-transformers' Normalize module. */
  normalize: boolean;
  /** Word pieces per text including [CLS]/[SEP] (sentence-transformers' max_seq_length); longer texts are cut. */
  maxTokens: number;
}

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
  | SentenceEncoderSpec
  | {
      /**
       * The transformers.js (ONNX) encoder that the TF.js BERT replaced: only read from records
       * that older versions wrote (by its cache id `st:…`), never made. Nothing here runs it, so
       * a head over it cannot predict until it is trained again.
       */
      kind: 'retired-onnx';
      id: string;
      dim: number;
      model: SentenceModelRef;
      /** The ONNX weights' variant (fp32, fp16, q8). */
      dtype: string;
      maxTokens: number;
    };

export interface Encoder {
  /** Stable cache key, e.g. `glove:<table sha>:100000:mean` or `bert:53aa51172d142c89:mean-l2:256`. */
  readonly id: string;
  readonly dim: number;
  /** The encoder described for a saved student (kind, weights, pooling). */
  readonly spec: EncoderSpec;
  /** Resolves to texts.length vectors of length `dim`, in input order. */
  encode(texts: string[], opts?: LongOpOptions): Promise<Float32Array[]>;
  /** Frees the model's weights (tensors, WebGPU buffers); the encoder is unusable afterwards. */
  dispose?(): Promise<void>;
}

/** Yields to the event loop so a long encode in a worker can see an abort and post progress. */
export const yieldToLoop = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
