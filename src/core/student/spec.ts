/**
 * The serialisable description of a trained student: everything the exported bundle's inference
 * file needs besides the tfjs model.json + weights to turn texts into labels exactly as training did.
 */
export const STUDENT_FORMAT_VERSION = 1;

/** `wordpool`: GloVe-initialised embedding trained end to end, mean+max pooled (fastText-like). `mlp`: head over frozen sentence vectors. */
export type StudentKind = 'wordpool' | 'mlp';

export interface EncoderSpec {
  /** 'glove' (tokens → embedding inside the model) or a sentence Encoder's id (vectors in). */
  kind: 'glove' | 'sentence';
  id: string;
  dim: number;
}

export interface StudentHyper {
  hidden: number[];
  dropout: number;
  learningRate: number;
  batchSize: number;
  epochs: number;
  patience: number;
  seed: number;
  /**
   * Learning rate of the sparse (lazy) Adam over the word embedding's rows; 0 keeps the GloVe
   * table frozen. Absent in specs written before fine-tuning existed (they trained frozen).
   */
  embeddingLearningRate?: number;
}

export interface Preprocessing {
  /** The word tokenizer (src/core/encode/tokenize.ts) version the vocab was built with. */
  tokenizer: string;
  /** Texts are cut to this many tokens, then padded with id 0. */
  maxTokens: number;
  /** Row i of the embedding = vocab[i]; 0 is padding, 1 is unknown. Absent for `mlp`. */
  vocab?: string[];
}

export interface StudentSpec {
  formatVersion: typeof STUDENT_FORMAT_VERSION;
  labels: string[];
  encoder: EncoderSpec;
  student: { kind: StudentKind; hyper: StudentHyper };
  preprocessing: Preprocessing;
}

export const PAD = 0;
export const UNK = 1;
export const TOKENIZER_VERSION = 'distillery-words-1';
