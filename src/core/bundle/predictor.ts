import * as tf from '@tensorflow/tfjs';
import { tokenize } from '../encode/tokenize.js';
import { decodeWordVectors, lookupTokens, VECTORS_FORMAT, VECTORS_VERSION } from '../encode/word-vectors.js';
import { GloveEncoder } from '../encode/glove.js';
import { UserError } from '../errors.js';
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
 * file carries as generated code.
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

export async function openPredictor(bundle: Bundle, opts: PredictorOptions = {}): Promise<BundlePredictor> {
  const input = bundle.inference.input;
  const labels = bundle.labels;
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(bundle.model as tf.io.ModelArtifacts));
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
  let encode: (texts: string[]) => Promise<tf.Tensor>;
  if (input.kind === 'token-ids') {
    const wv = { index: vocabIndex(bundle.vocab ?? []) };
    encode = async (texts) => {
      const data = new Int32Array(texts.length * input.maxLen).fill(input.padId);
      texts.forEach((text, r) => {
        const tokens = tokenize(text);
        let ids = input.lookup === 'exact'
          ? tokens.map((t) => wv.index.get(t) ?? input.oovId)
          : lookupTokens(wv, tokens).map((i) => (i < 0 ? input.oovId : i));
        if (ids.length > input.maxLen) ids = input.truncating === 'pre' ? ids.slice(ids.length - input.maxLen) : ids.slice(0, input.maxLen);
        const offset = input.padding === 'pre' ? input.maxLen - ids.length : 0;
        for (let j = 0; j < ids.length; j++) data[r * input.maxLen + offset + j] = ids[j];
      });
      return tf.tensor2d(data, [texts.length, input.maxLen], 'int32');
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
      return tf.tensor2d(flat, [texts.length, enc.dim]);
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
      return tf.tensor2d(flat, [texts.length, input.dim]);
    };
  }
  const batchSize = opts.batchSize ?? 128;
  return {
    labels,
    async predict(texts) {
      const results: Prediction[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const x = await encode(texts.slice(start, start + batchSize));
        const y = tf.tidy(() => {
          const out = model.predict(x) as tf.Tensor;
          return bundle.inference.output === 'logits' ? tf.softmax(out) : out;
        });
        const probs = (await y.array()) as number[][];
        x.dispose();
        y.dispose();
        for (const row of probs) {
          let best = 0;
          row.forEach((p, i) => { if (p > row[best]) best = i; });
          // fromEntries: a label named __proto__ or constructor is a key like any other.
          results.push({ label: labels[best], scores: Object.fromEntries(labels.map((l, i) => [l, row[i]])) });
        }
      }
      return results;
    },
    dispose: () => model.dispose(),
  };
}
