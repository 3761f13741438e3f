import * as tf from '@tensorflow/tfjs';
import { tokenize } from '../encode/tokenize.js';
import { decodeWordVectors, VECTORS_FORMAT, VECTORS_VERSION } from '../encode/word-vectors.js';
import { tokenIds } from '../encode/token-ids.js';
import { labeledScores } from './scores.js';
import { GloveEncoder } from '../encode/glove.js';
import { UserError } from '../errors.js';
import { withBackend } from '../student/backend.js';
import { FineTunedTransformer, TRANSFORMER_BACKENDS } from '../student/finetune/model.js';
import { isTransformerParts, type TransformerParts } from './export.js';
import type { InputSpec } from './format.js';
import type { Bundle } from './import.js';

/** The input of a bundle whose student reads a pretrained sentence encoder's vectors. */
export type SentenceInput = Extract<InputSpec, { kind: 'sentence-embedding' }>;

/** Whether a bundle's encoder is the catalog's MiniLM (also the retired transformers.js export of it). */
export function isMinilmInput(input: SentenceInput, minilmRepo: string, minilmSha: string): boolean {
  return input.weightsSha256 ? minilmSha.startsWith(input.weightsSha256) : input.model === minilmRepo || input.model === 'Xenova/all-MiniLM-L6-v2';
}

/**
 * Predictions from an opened bundle inside Distillery (CLI `predict`, the app's "try it" box),
 * through the core's own tokenizer and lookup — the same preprocessing the bundle's inference
 * file carries as generated code. Its tensor work runs as jobs of the backend policy
 * (student/backend.ts) on the backend that is set; a sentence encoder's embedding runs before,
 * as a job of its own on the encoder's backend.
 */

export interface Prediction {
  label: string;
  scores: Record<string, number>;
}

export interface BundlePredictor {
  labels: string[];
  predict(texts: string[]): Promise<Prediction[]>;
  dispose(): void;
}

export interface PredictorOptions {
  /** Turns texts into sentence embeddings, for sentence-encoder bundles (the core's encoder). */
  embed?: (texts: string[], input: SentenceInput) => Promise<Float32Array[]>;
  batchSize?: number;
}

function vocabIndex(words: string[]): Map<string, number> {
  const index = new Map<string, number>();
  for (let i = 0; i < words.length; i++) index.set(words[i], i);
  return index;
}

/**
 * A fine-tuned transformer bundle: the core's own classifier (src/core/transformer/classifier.ts,
 * which the bundle's inference file carries as generated code) on the bundle's weights, made on
 * the first backend of TRANSFORMER_BACKENDS that starts and scored there.
 */
async function transformerPredictor(bundle: Bundle, parts: TransformerParts, input: Extract<InputSpec, { kind: 'transformer' }>): Promise<BundlePredictor> {
  const labels = bundle.labels;
  let model: FineTunedTransformer;
  try {
    model = await withBackend(TRANSFORMER_BACKENDS, async () => FineTunedTransformer.fromCheckpoint(parts.files, parts.safetensors, { classes: labels.length, pooling: input.pooling, maxTokens: input.maxTokens }));
  } catch (e) {
    // readBundle checked the weights against config.json; what is left (a tokenizer.json the
    // tokenizer library refuses, a backend that cannot start) is named with the bundle's hint.
    throw new UserError('bundle-bad-model', `The bundle's fine-tuned transformer cannot be built: ${(e as Error).message}`, 'Export the bundle again from Distillery.');
  }
  return {
    labels,
    async predict(texts) {
      const rows = model.encode(texts);
      const scores = await withBackend(model.backend, () => model.scores(rows), { restore: true });
      return scores.map((row) => labeledScores(labels, Array.from(row)));
    },
    dispose: () => model.dispose(),
  };
}

export async function openPredictor(bundle: Bundle, opts: PredictorOptions = {}): Promise<BundlePredictor> {
  const input = bundle.inference.input;
  const labels = bundle.labels;
  if (input.kind === 'transformer' || isTransformerParts(bundle.model)) {
    if (input.kind !== 'transformer' || !isTransformerParts(bundle.model)) throw new UserError('bundle-bad-model', 'The bundle\'s inference.json and its model files describe different kinds of model.', 'Export the bundle again from Distillery.');
    return transformerPredictor(bundle, bundle.model, input);
  }
  const parts = bundle.model;
  let model: tf.LayersModel;
  try {
    model = await withBackend('current', () => tf.loadLayersModel(tf.io.fromMemory(parts as tf.io.ModelArtifacts)));
  } catch (e) {
    // readBundle checked the files' shapes; what is left is a topology tfjs cannot build.
    throw new UserError('bundle-bad-model', `The bundle's model.json cannot be loaded by TensorFlow.js (${(e as Error).message}).`, 'Export the bundle again from Distillery.');
  }
  const width = input.kind === 'token-ids' ? input.maxLen : input.kind === 'word-vectors-pool' ? (input.pooling === 'mean-max' ? 2 * input.dim : input.dim) : input.dim;
  const inShape = model.inputs[0]?.shape;
  const outShape = model.outputs[0]?.shape;
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || inShape?.length !== 2 || (inShape[1] !== null && inShape[1] !== width) || outShape?.[outShape.length - 1] !== labels.length) {
    model.dispose();
    throw new UserError('bundle-bad-model',
      `The bundle's model takes ${JSON.stringify(inShape)} and gives ${JSON.stringify(outShape)}, but its inference.json feeds it ${width} values and its labels.json lists ${labels.length} labels.`,
      'Export the bundle again from Distillery.');
  }
  /** The model's input rows for texts, `width` values each, made before any tensor. */
  let encode: (texts: string[]) => Promise<Int32Array | Float32Array>;
  if (input.kind === 'token-ids') {
    const wv = { index: vocabIndex(bundle.vocab ?? []) };
    encode = async (texts) => {
      const data = new Int32Array(texts.length * input.maxLen);
      texts.forEach((text, r) => tokenIds(tokenize(text), wv, input, data, r * input.maxLen));
      return data;
    };
  } else if (input.kind === 'word-vectors-pool') {
    // The core's own encoder over the bundle's table, so the app predicts exactly as it trained.
    const wv = decodeWordVectors(
      { format: VECTORS_FORMAT, version: VECTORS_VERSION, source: 'bundle', dim: input.dim, count: input.vocabSize, quantization: 'int8-row', files: { vocab: input.vocabFile, bin: input.vectorsFile }, sha256: { vocab: '', bin: bundle.manifest.files[input.vectorsFile]?.sha256 ?? '' } },
      bundle.files[input.vocabFile], bundle.vectors!, 'the bundle',
    );
    const enc = new GloveEncoder(wv, { pooling: input.pooling });
    encode = async (texts) => {
      const flat = new Float32Array(texts.length * enc.dim);
      texts.forEach((t, r) => flat.set(enc.embed(t), r * enc.dim));
      return flat;
    };
  } else {
    const embed = opts.embed;
    if (!embed) {
      model.dispose();
      throw new UserError('bundle-needs-encoder', `This bundle needs the sentence encoder ${input.model} to make predictions, and it is not available here.`,
        'Load the encoder first (Train step), or use the bundle\'s distillery-student.mjs where the hub is reachable.');
    }
    encode = async (texts) => {
      const vecs = await embed(texts, input);
      const flat = new Float32Array(texts.length * input.dim);
      vecs.forEach((v, i) => flat.set(v, i * input.dim));
      return flat;
    };
  }
  const batchSize = opts.batchSize ?? 128;
  return {
    labels,
    async predict(texts) {
      const results: Prediction[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const batch = texts.slice(start, start + batchSize);
        const rows = await encode(batch);
        const probs = await withBackend('current', async () => {
          const y = tf.tidy(() => {
            const x = tf.tensor2d(rows, [batch.length, width], rows instanceof Int32Array ? 'int32' : 'float32');
            const out = model.predict(x) as tf.Tensor;
            return bundle.inference.output === 'logits' ? tf.softmax(out) : out;
          });
          try { return (await y.array()) as number[][]; } finally { y.dispose(); }
        });
        for (const row of probs) results.push(labeledScores(labels, row));
      }
      return results;
    },
    dispose: () => model.dispose(),
  };
}
