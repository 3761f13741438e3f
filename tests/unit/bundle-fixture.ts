import * as tf from '@tensorflow/tfjs';
import type { Example } from '../../src/core/dataset/example.js';
import { tokenize } from '../../src/core/encode/tokenize.js';
import { lookupTokens } from '../../src/core/encode/word-vectors.js';
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
      input: { kind: 'token-ids', vocabFile: 'vocab.txt', vocabSize: vocab.length, maxLen, padId: 0, oovId: 1, padding: 'post', truncating: 'post' },
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
