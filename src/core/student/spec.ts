/**
 * What a trained student is, as data: saved with its weights in every model record
 * (record.ts) and in the bundle's student.json, so a saved model describes itself (as a nanoGPT
 * checkpoint carries its config). One variant per kind of student, told apart by `kind`:
 *
 *   wordpool   GloVe-initialised word embedding trained end to end, mean+max pooled (fastText-like);
 *              its input is token ids (`input.ids`, the rule encode/token-ids.ts applies).
 *   mlp        a head (0–2 hidden layers) over an encoder's frozen vectors: pooled GloVe or a
 *              sentence encoder (`input.encoder` says which, in full).
 *   transformer a pretrained BERT (all-MiniLM-L6-v2) fine-tuned whole with a dense head over its
 *              pooled output (finetune/); its input is word pieces (`input.base` names the
 *              pretrained weights it started from, `input.maxTokens` its length limit). Its
 *              record carries the model's config and tokenizer files beside the weights.
 */
import type { EncoderSpec, SentenceModelRef } from '../encode/encoder.js';
import type { TokenIdRule } from '../encode/token-ids.js';

export const STUDENT_FORMAT_VERSION = 2;

export type StudentKind = StudentSpec['kind'];

export type EpochRule = 'smoothed-best' | 'latest-within-se';

/** Training settings; defaults.ts holds the values and why. */
export interface StudentHyper {
  /** Hidden layer widths of the head (0–2 layers). */
  hidden: number[];
  dropout: number;
  learningRate: number;
  batchSize: number;
  /** Most epochs; early stopping usually ends sooner. */
  epochs: number;
  /** Epochs past the kept one (early-stopping.ts) before training stops. */
  patience: number;
  /**
   * Which epoch early stopping keeps (early-stopping.ts): 'smoothed-best', the best validation
   * macro-F1 averaged over the last 3 epochs (the default when unset), or 'latest-within-se', the
   * latest within one standard error of the best epoch's.
   */
  epochRule?: EpochRule;
  seed: number;
  /** wordpool: learning rate of the sparse lazy Adam over the embedding's rows (0 = frozen table). */
  embeddingLearningRate?: number;
  /** transformer: AdamW learning rate of the pretrained body (`learningRate` is the new head's). */
  bodyLearningRate?: number;
  /** transformer: AdamW's decoupled weight decay (never on biases and LayerNorm). */
  weightDecay?: number;
  /** transformer: share of the planned training over which the learning rate warms up (then decays linearly to 0). */
  warmup?: number;
  /** transformer: the gradients' global L2 norm is clipped to this. */
  clipNorm?: number;
  /** transformer: keep the pretrained word-embedding matrix as it is (half of MiniLM's weights). */
  freezeEmbeddings?: boolean;
  /** transformer: train only the top N layers (the rest and the embeddings frozen, their output cached); unset = all. */
  trainLayers?: number;
  /**
   * transformer: the SetFit stage (Tunstall et al. 2022) before the classifier: this many
   * same/different-label pairs per training example, trained with a cosine-similarity loss (0 = none;
   * unset = decided by the training set's size, defaults.ts transformerHyperFor).
   */
  contrastivePairs?: number;
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

export interface TransformerSpec extends SpecBase {
  kind: 'transformer';
  input: {
    /** The pretrained model it was fine-tuned from. */
    base: {
      /** A short name for people and model cards (`all-MiniLM-L6-v2`). */
      name: string;
      model: SentenceModelRef;
      /** sha256 of the pretrained model.safetensors (hex). */
      weightsSha256: string;
      /** The pretrained weights' license (`Apache-2.0`), where known. */
      license?: string;
      /** The model's parameter count. */
      parameters: number;
    };
    /** Word pieces per text including [CLS]/[SEP]: a high percentile of the training texts' lengths, capped at the model's limit. */
    maxTokens: number;
    pooling: 'mean' | 'cls';
  };
}

export type StudentSpec = WordPoolSpec | HeadSpec | TransformerSpec;

export const PAD = 0;
export const UNK = 1;
export const TOKENIZER_VERSION = 'distillery-words-1';
