/**
 * The bundle format: what a Distillery student .zip holds. Shared by export, import, the inference
 * file and the CLI, so the one list of names lives here.
 */
import type { TokenIdRule } from '../encode/token-ids.js';

/** Bumped whenever a reader of an older version could misread a newer bundle. */
export const BUNDLE_FORMAT_VERSION = 1;
export const BUNDLE_FORMAT_NAME = 'distillery-student-bundle';

export const FILES = {
  manifest: 'manifest.json',
  modelJson: 'model.json',
  weights: 'weights.bin',
  inference: 'inference.json',
  labels: 'labels.json',
  student: 'student.json',
  metrics: 'metrics.json',
  vocab: 'vocab.txt',
  vectors: 'vectors.bin',
  card: 'README.md',
  inferenceModule: 'distillery-student.mjs',
  example: 'example.mjs',
  packageJson: 'package.json',
  dataJsonl: 'data/train.jsonl',
  dataCsv: 'data/train.csv',
  /** A fine-tuned transformer's weights (body and head), its config and tokenizer files. */
  safetensors: 'model.safetensors',
  modelConfig: 'config.json',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
} as const;

/** Files every bundle must have; the model's own files depend on its kind (`modelFilesOf`). */
export const REQUIRED_FILES = [
  FILES.inference,
  FILES.labels,
  FILES.card,
  FILES.inferenceModule,
] as const;

/**
 * The model's files: a tfjs layers model (`model.json` + `weights.bin`) for the word and head
 * students, or a fine-tuned transformer whole (`model.safetensors` + `config.json` + the
 * tokenizer files).
 */
export function modelFilesOf(input: InputSpec): string[] {
  if (input.kind === 'transformer') return [input.weightsFile, input.configFile, input.tokenizerFile, input.tokenizerConfigFile];
  return [FILES.modelJson, FILES.weights];
}

/**
 * How texts become the model's input tensor. This is everything the inference file needs besides
 * the model itself, written as plain JSON so any language can reimplement it.
 */
export type InputSpec =
  | ({
      /** Token ids → the model (an embedding layer inside the model, e.g. GloVe-initialised). */
      kind: 'token-ids';
      /** `vocab.txt`: line i is the token whose id is i. */
      vocabFile: string;
      vocabSize: number;
      /** The rest (maxLen, padId, oovId, padding, truncating, lookup) as encode/token-ids.ts reads it. */
    } & TokenIdRule)
  | {
      /**
       * Pooled word vectors of the known tokens → the model, as the core's GloveEncoder does:
       * `mean` (dim d) or `mean-max` (2d: the mean, then the per-dimension max); zeros when no
       * token is known.
       */
      kind: 'word-vectors-pool';
      vocabFile: string;
      /** The core's int8-row table: count*4 bytes of float32 row scales, then count*dim int8. */
      vectorsFile: string;
      vocabSize: number;
      /** Word-vector dimension (the model input is dim or 2*dim). */
      dim: number;
      pooling: 'mean' | 'mean-max';
    }
  | {
      /**
       * A pretrained sentence encoder (the core's TF.js BERT, src/core/transformer) → the model.
       * The encoder is not in the bundle: it is read from the hub (`model` at `revision`) or a
       * local copy, and checked against `weightsSha256`.
       */
      kind: 'sentence-embedding';
      /** A Hugging Face repository (`sentence-transformers/all-MiniLM-L6-v2`), or `local:<sha256 prefix>` for a picked folder. */
      model: string;
      revision: string;
      dim: number;
      pooling: 'mean' | 'cls';
      normalize: boolean;
      /** Word pieces per text including [CLS]/[SEP], as sentence-transformers' max_seq_length. */
      maxTokens: number;
      /** The start (16 hex digits or more) of the sha256 of the encoder's model.safetensors. */
      weightsSha256?: string;
      /** Bundles from the retired transformers.js encoder named an ONNX variant here ('q8', 'fp32'). */
      dtype?: string;
    }
  | {
      /**
       * A fine-tuned transformer, whole: word pieces (the model's own tokenizer, cut at
       * `maxTokens`) → BERT → `pooling` → a dense layer → logits (src/core/transformer/
       * classifier.ts). Its weights are one safetensors file in PyTorch's layout: the BertModel's
       * names plus `classifier.weight` [labels, hidden] and `classifier.bias`.
       */
      kind: 'transformer';
      weightsFile: string;
      /** The BERT config (Hugging Face config.json). */
      configFile: string;
      tokenizerFile: string;
      tokenizerConfigFile: string;
      maxTokens: number;
      pooling: 'mean' | 'cls';
      /** The pretrained model it was fine-tuned from (for the card and attribution). */
      base: {
        name: string;
        /** A Hugging Face repository, or `local:<sha256 prefix>` for a folder on the trainer's disk. */
        model: string;
        revision: string;
        weightsSha256: string;
        license?: string;
        parameters: number;
      };
    };

export interface InferenceSpec {
  format: typeof BUNDLE_FORMAT_NAME;
  formatVersion: number;
  labels: string[];
  input: InputSpec;
  /** What the model's last layer outputs: probabilities already, or logits to softmax. */
  output: 'softmax' | 'logits';
}

export interface ManifestEntry {
  sha256: string;
  bytes: number;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT_NAME;
  formatVersion: number;
  createdAt: string;
  generator: string;
  /** Every file of the bundle except manifest.json itself. */
  files: Record<string, ManifestEntry>;
}
