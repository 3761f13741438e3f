/**
 * What a trained student is, as data: saved with its weights in every model record
 * (record.ts) and in the bundle's student.json, so a saved model describes itself (as a nanoGPT
 * checkpoint carries its config). One variant per kind of student, told apart by `kind`:
 *
 *   wordpool   GloVe-initialised word embedding trained end to end, mean+max pooled (fastText-like);
 *              its input is token ids (`input.ids`, the rule encode/token-ids.ts applies).
 *   mlp        a head (0–2 hidden layers) over an encoder's frozen vectors: pooled GloVe or a
 *              sentence encoder (`input.encoder` says which, in full).
 *
 * A fine-tuned transformer is the next kind: `{kind: 'transformer', input: {tokenizer files,
 * base model + revision, maxTokens}, hyper: {...warm-up, weight decay}}`, built, featurized and
 * trained through the same `trainStudent` (student.ts) and saved by the same record module.
 */
import type { EncoderSpec } from '../encode/encoder.js';
import type { TokenIdRule } from '../encode/token-ids.js';

export const STUDENT_FORMAT_VERSION = 2;

export type StudentKind = StudentSpec['kind'];

/** Training settings; defaults.ts holds the values and why. */
export interface StudentHyper {
  /** Hidden layer widths of the head (0–2 layers). */
  hidden: number[];
  dropout: number;
  learningRate: number;
  batchSize: number;
  /** Most epochs; early stopping usually ends sooner. */
  epochs: number;
  /** Epochs without a better (smoothed) validation macro-F1 before training stops. */
  patience: number;
  seed: number;
  /** wordpool: learning rate of the sparse lazy Adam over the embedding's rows (0 = frozen table). */
  embeddingLearningRate?: number;
}

interface SpecBase {
  formatVersion: typeof STUDENT_FORMAT_VERSION;
  /** The model's output columns, in the one label order (dataset/labels.ts). */
  labels: string[];
  hyper: StudentHyper;
}

export interface WordPoolSpec extends SpecBase {
  kind: 'wordpool';
  input: {
    /** The word tokenizer (encode/tokenize.ts) version the vocabulary was built with. */
    tokenizer: typeof TOKENIZER_VERSION;
    /** Row i of the embedding = vocab[i]; 0 pads, 1 is unknown. */
    vocab: string[];
    ids: TokenIdRule;
    /** The word-vector table the embedding started from (`glove:<sha256 prefix>`), for the record. */
    init: string;
  };
}

export interface HeadSpec extends SpecBase {
  kind: 'mlp';
  input: { encoder: EncoderSpec };
}

export type StudentSpec = WordPoolSpec | HeadSpec;

export const PAD = 0;
export const UNK = 1;
export const TOKENIZER_VERSION = 'distillery-words-1';
