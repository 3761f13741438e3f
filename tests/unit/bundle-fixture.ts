import * as tf from '@tensorflow/tfjs';
import type { Example } from '../../src/core/dataset/example.js';
import { tokenize } from '../../src/core/encode/tokenize.js';
import { decodeWordVectors, lookupTokens, VECTORS_FORMAT, VECTORS_VERSION, type VectorsHeader, type WordVectors } from '../../src/core/encode/word-vectors.js';
import { GloveEncoder } from '../../src/core/encode/glove.js';
import type { BundleInput, ModelParts } from '../../src/core/bundle/export.js';
import { evaluate } from '../../src/core/student/metrics.js';

/** A small labeled set with every provenance source the bundle records. */
export function fixtureExamples(): Example[] {
  const pos = ['a great and wonderful film', 'i loved it, truly delightful', 'brilliant acting and a moving story', 'what a joy to watch', 'superb, funny and warm', 'an excellent, charming movie'];
  const neg = ['a dull and boring mess', "i hated it, don't bother", 'terrible acting and a stupid plot', 'what a waste of time', 'awful, tedious and bad', 'a dreadful, lifeless movie'];
  const at = '2026-01-01T00:00:00.000Z';
  const mk = (text: string, label: string, i: number): Example => {
    const source = i < 2 ? 'seed' : i < 4 ? 'generated' : 'extrapolated';
    return {
      id: `${label}-${i}`, text, label, split: i === 5 ? 'val' : 'train',
      provenance: { source, round: source === 'extrapolated' ? 1 : 0, createdAt: at, ...(source === 'seed' ? { file: 'seeds.csv', row: i + 2 } : { teacherModel: 'sim-teacher', strategy: source === 'generated' ? 'generate' : 'extrapolate', promptTemplate: `${source}-v1` }) },
    } as Example;
  };
  return [...pos.map((t, i) => mk(t, 'pos', i)), ...neg.map((t, i) => mk(t, 'neg', i))];
}

export const LABELS = ['neg', 'pos'];

/** Token-id student: embedding → mean pool → softmax, trained a few epochs on the fixture. */
export async function trainTinyStudent(examples: Example[], maxLen = 12): Promise<{ input: BundleInput; model: tf.LayersModel; encode: (t: string[]) => tf.Tensor }> {
  const vocab = ['[PAD]', '[UNK]'];
  for (const e of examples) for (const t of tokenize(e.text)) if (!vocab.includes(t)) vocab.push(t);
  const index = new Map(vocab.map((w, i) => [w, i]));
  const encode = (texts: string[]) => {
    const data = new Int32Array(texts.length * maxLen);
    texts.forEach((t, r) => lookupTokens({ index }, tokenize(t)).slice(0, maxLen).forEach((id, j) => { data[r * maxLen + j] = id < 0 ? 1 : id; }));
    return tf.tensor2d(data, [texts.length, maxLen], 'int32');
  };
  const model = tf.sequential({ layers: [
    tf.layers.embedding({ inputDim: vocab.length, outputDim: 8, inputLength: maxLen, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 1 }) }),
    tf.layers.globalAveragePooling1d(),
    tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
  ] });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'sparseCategoricalCrossentropy' });
  const x = encode(examples.map((e) => e.text));
  const y = tf.tensor1d(examples.map((e) => LABELS.indexOf(e.label!)), 'float32');
  await model.fit(x, y, { epochs: 30, verbose: 0, shuffle: false });
  x.dispose(); y.dispose();
  let parts: ModelParts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    parts = { modelTopology: a.modelTopology as object, weightSpecs: a.weightSpecs as ModelParts['weightSpecs'], weightData: a.weightData as ArrayBuffer };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const val = examples.filter((e) => e.split === 'val');
  const probs = tf.tidy(() => (model.predict(encode(val.map((e) => e.text))) as tf.Tensor).arraySync() as number[][]);
  const metrics = evaluate(val.map((e) => LABELS.indexOf(e.label!)), probs, LABELS);
  return {
    model,
    encode,
    input: {
      name: 'Fixture sentiment',
      task: 'Is a movie review positive or negative?',
      labels: LABELS,
      model: parts!,
      input: { kind: 'token-ids', vocabFile: 'vocab.txt', vocabSize: vocab.length, maxLen, padId: 0, oovId: 1, padding: 'post', truncating: 'post', lookup: 'split-hyphens' },
      output: 'softmax',
      vocab,
      student: { kind: 'pooled-embedding', hyperparameters: { dim: 8, epochs: 30 } },
      metrics: { val: metrics, test: metrics },
      examples,
      teacher: { model: 'sim-teacher', baseUrl: 'http://127.0.0.1:9/v1' },
      promptTemplates: [{ id: 'generate-v1', description: 'write examples of a label' }, { id: 'extrapolate-v1' }],
      createdAt: '2026-01-02T03:04:05.000Z',
    },
  };
}

/** A small word-vector table in the app's int8-row format, over the fixture's words plus a few. */
export function tinyWordTable(examples: Example[], dim = 16): { words: string[]; bin: Uint8Array; wv: WordVectors } {
  const words: string[] = [];
  for (const e of examples) for (const t of tokenize(e.text)) if (!words.includes(t)) words.push(t);
  words.push('film', 'movie', 're', 'imagining', 'funny');
  const count = words.length;
  const bin = new Uint8Array(count * 4 + count * dim);
  const scales = new Float32Array(count);
  const q = new Int8Array(bin.buffer, count * 4, count * dim);
  let s = 7;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (let r = 0; r < count; r++) {
    scales[r] = 0.01 + 0.001 * (r % 7);
    for (let j = 0; j < dim; j++) q[r * dim + j] = Math.round(rnd() * 127);
  }
  bin.set(new Uint8Array(scales.buffer), 0);
  const header: VectorsHeader = { format: VECTORS_FORMAT, version: VECTORS_VERSION, source: 'test', dim, count, quantization: 'int8-row', files: { vocab: 't.vocab.txt', bin: 't.bin' }, sha256: { vocab: 'x', bin: 'abcdef0123456789' } };
  const wv = decodeWordVectors(header, new TextEncoder().encode(words.join('\n') + '\n'), bin, 'test');
  return { words, bin, wv };
}

/** GloVe path: the core's GloveEncoder (mean-max) → a dense head, trained on the fixture. */
export async function trainTinyPooledStudent(examples: Example[]): Promise<{ input: BundleInput; model: tf.LayersModel; encoder: GloveEncoder }> {
  const { words, bin, wv } = tinyWordTable(examples);
  const encoder = new GloveEncoder(wv, { pooling: 'mean-max' });
  const toTensor = async (texts: string[]) => {
    const v = await encoder.encode(texts);
    const flat = new Float32Array(v.length * encoder.dim);
    v.forEach((row, i) => flat.set(row, i * encoder.dim));
    return tf.tensor2d(flat, [v.length, encoder.dim]);
  };
  const model = tf.sequential({ layers: [
    tf.layers.dense({ inputShape: [encoder.dim], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
  ] });
  model.compile({ optimizer: tf.train.adam(0.05), loss: tf.losses.softmaxCrossEntropy });
  const x = await toTensor(examples.map((e) => e.text));
  const y = tf.oneHot(tf.tensor1d(examples.map((e) => LABELS.indexOf(e.label!)), 'int32'), 2).toFloat();
  await model.fit(x, y, { epochs: 40, verbose: 0, shuffle: false });
  tf.dispose([x, y]);
  let parts: ModelParts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    parts = { modelTopology: a.modelTopology as object, weightSpecs: a.weightSpecs as ModelParts['weightSpecs'], weightData: a.weightData as ArrayBuffer };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return {
    model,
    encoder,
    input: {
      name: 'Fixture sentiment (word vectors)',
      labels: LABELS,
      model: parts!,
      input: { kind: 'word-vectors-pool', vocabFile: 'vocab.txt', vectorsFile: 'vectors.bin', vocabSize: words.length, dim: wv.dim, pooling: 'mean-max' },
      output: 'logits',
      vocab: words,
      vectors: bin,
      student: { kind: 'mlp', hyperparameters: { hidden: [8] } },
      metrics: {},
      examples,
      createdAt: '2026-01-02T03:04:05.000Z',
    },
  };
}
