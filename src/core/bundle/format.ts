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
} as const;

/** Files every bundle must have; the rest depend on the encoder. */
export const REQUIRED_FILES = [
  FILES.modelJson,
  FILES.weights,
  FILES.inference,
  FILES.labels,
  FILES.card,
  FILES.inferenceModule,
] as const;

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
