/**
 * Prints the size of a student bundle for each encoder path, with the real word-vector table
 * (public/vectors/, `npm run build:vectors`) and untrained students of the default shapes: the
 * weights' size does not depend on training.
 *
 *   npx tsx bench/bundle-sizes.ts
 */
import * as tf from '@tensorflow/tfjs';
import { buildBundleFiles, writeBundle, type BundleInput, type ModelParts } from '../src/core/bundle/export.js';
import { loadWordVectorsFromDisk, diskSource, DEFAULT_VECTORS_DIR } from '../src/core/encode/word-vectors-node.js';
import type { Example } from '../src/core/dataset/example.js';

await tf.setBackend('cpu');

async function parts(model: tf.LayersModel): Promise<ModelParts> {
  let p: ModelParts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    p = { modelTopology: a.modelTopology as object, weightSpecs: a.weightSpecs as ModelParts['weightSpecs'], weightData: a.weightData as ArrayBuffer };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  return p!;
}

const examples: Example[] = Array.from({ length: 1016 }, (_, i) => ({
  id: `e${i}`, text: `an example text of about twelve words, number ${i}, for the size count`, label: i % 2 ? 'pos' : 'neg', split: 'train',
  provenance: { source: i < 16 ? 'seed' : 'generated', round: 0, teacherModel: 'm', strategy: 'generate', promptTemplate: 'generate-v1', createdAt: '2026-01-01T00:00:00Z' },
}));
const base = { labels: ['neg', 'pos'], output: 'softmax' as const, metrics: {}, examples, createdAt: '2026-01-01T00:00:00Z' };

const wv = await loadWordVectorsFromDisk();
const bin = await diskSource(DEFAULT_VECTORS_DIR).read(wv.header.files.bin);
const mlp = (inDim: number) => tf.sequential({ layers: [tf.layers.dense({ inputShape: [inDim], units: 256, activation: 'relu' }), tf.layers.dense({ units: 2, activation: 'softmax' })] });

const wordpool = tf.sequential({ layers: [
  tf.layers.embedding({ inputDim: 30_000, outputDim: wv.dim, inputLength: 64 }),
  tf.layers.globalAveragePooling1d(),
  tf.layers.dense({ units: 2, activation: 'softmax' }),
] });
const cases: Array<[string, BundleInput]> = [
  ['word student (30k-word vocab, GloVe-initialised 100-d embedding in the weights)', {
    ...base, model: await parts(wordpool), vocab: ['<pad>', '<unk>', ...wv.words.slice(0, 29_998)], student: { kind: 'wordpool', hyperparameters: {} },
    input: { kind: 'token-ids', vocabFile: 'vocab.txt', vocabSize: 30_000, maxLen: 64, padId: 0, oovId: 1, padding: 'post', truncating: 'post', lookup: 'exact' },
  }],
  ['GloVe mean-max → MLP(256), 100k-word table included', {
    ...base, model: await parts(mlp(2 * wv.dim)), vocab: wv.words, vectors: bin, student: { kind: 'mlp', hyperparameters: {} },
    input: { kind: 'word-vectors-pool', vocabFile: 'vocab.txt', vectorsFile: 'vectors.bin', vocabSize: wv.words.length, dim: wv.dim, pooling: 'mean-max' },
  }],
  ['MiniLM (384-d) → MLP(256), encoder fetched at load', {
    ...base, model: await parts(mlp(384)), student: { kind: 'mlp', hyperparameters: {} },
    input: { kind: 'sentence-embedding', model: 'Xenova/all-MiniLM-L6-v2', revision: 'main', dim: 384, pooling: 'mean', normalize: true, maxTokens: 256 },
  }],
];
for (const [name, input] of cases) {
  const files = await buildBundleFiles(input);
  const zip = await writeBundle(input);
  const top = Object.entries(files).sort((a, b) => b[1].byteLength - a[1].byteLength).slice(0, 4).map(([n, b]) => `${n} ${(b.byteLength / 1024).toFixed(0)} KB`).join(', ');
  console.log(`${name}: zip ${(zip.byteLength / 1024 / 1024).toFixed(2)} MB (${examples.length} examples; largest: ${top})`);
}
