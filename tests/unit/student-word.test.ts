import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { WordVectors } from '../../src/core/encode/word-vectors.js';
import { predict } from '../../src/core/student/predict.js';
import { mulberry32 } from '../../src/core/student/random.js';
import { trainStudent, type LabeledTexts, type StudentFeatures } from '../../src/core/student/student.js';

const TOPICS: Record<string, string[]> = {
  sport: ['match', 'goal', 'team', 'coach', 'league', 'score'],
  money: ['bank', 'stock', 'market', 'profit', 'price', 'trade'],
  space: ['planet', 'orbit', 'rocket', 'star', 'moon', 'nasa'],
};
const FILLER = ['the', 'a', 'of', 'today', 'news', 'report', 'said', 'new', 'big', 'after'];

/** Sentences of filler words plus two words of their topic: learnable, not by chance (1/3). */
function fixture(n: number, seed: number): LabeledTexts {
  const r = mulberry32(seed);
  const pick = (xs: string[]) => xs[Math.floor(r() * xs.length)];
  const labels = Object.keys(TOPICS);
  const texts: string[] = [];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = labels[i % labels.length];
    const words = Array.from({ length: 4 + Math.floor(r() * 8) }, () => pick(FILLER));
    words.splice(Math.floor(r() * words.length), 0, pick(TOPICS[label]), pick(TOPICS[label]));
    texts.push(words.join(' '));
    out.push(label);
  }
  return { texts, labels: out };
}

/** Word vectors with random rows (the real GloVe table is not needed to test that training works). */
function vectors(): WordVectors {
  const words = [...Object.values(TOPICS).flat(), ...FILLER];
  const r = mulberry32(7);
  const dim = 16;
  return {
    words, dim, index: new Map(words.map((w, i) => [w, i])),
    vectors: Float32Array.from({ length: words.length * dim }, () => r() - 0.5),
    header: { sha256: { bin: 'fixture0000000000', vocab: '' } } as WordVectors['header'],
  };
}

describe('word student (sparse embedding fine-tuning)', () => {
  it('learns a 3-class fixture far above chance, leaks no tensor, and a saved+reloaded model scores the same', async () => {
    const wv = vectors();
    const features: StudentFeatures = { kind: 'words', wv };
    await tf.setBackend('cpu');
    const baseline = tf.memory().numTensors;
    const perEpoch: number[] = [];
    const student = await trainStudent(fixture(240, 1), fixture(60, 2), features, {
      hyper: { epochs: 30, patience: 30 }, candidates: ['cpu'],
      onEpoch: () => perEpoch.push(tf.memory().numTensors),
    });
    expect(new Set(perEpoch.slice(1)).size).toBe(1);
    const test = fixture(90, 3);
    const preds = await predict(student, test.texts, features);
    const accuracy = preds.filter((p, i) => p.label === test.labels[i]).length / test.texts.length;
    expect(accuracy).toBeGreaterThan(0.9);
    // The fine-tuned table is in the stock Embedding layer, so the saved model carries it.
    const initial = wv.vectors.subarray(0, 16);
    if (student.spec.kind !== 'wordpool') throw new Error('expected a word student');
    const row = student.spec.input.vocab.indexOf(wv.words[0]);
    const table = student.model.getLayer('embedding').getWeights()[0].arraySync() as number[][];
    expect(table[row].some((v, j) => Math.abs(v - initial[j]) > 1e-4)).toBe(true);

    let saved: tf.io.ModelArtifacts | undefined;
    await student.model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const reloaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const again = await predict({ model: reloaded, spec: student.spec }, test.texts, features);
    again.forEach((p, i) => p.scores.forEach((s, j) => expect(s).toBeCloseTo(preds[i].scores[j], 5)));
    reloaded.dispose();
    student.model.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
