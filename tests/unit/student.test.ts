import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { patchCpuKernels } from '../../src/core/student/backend.js';
import { buildMlp } from '../../src/core/student/models.js';
import { STUDENT_DEFAULTS } from '../../src/core/student/defaults.js';
import { classWeights, fitStudent, lossWeights, predictScores, type LabeledMatrix } from '../../src/core/student/train.js';

const DEFAULT_HYPER = STUDENT_DEFAULTS.mlp;
import { mulberry32 } from '../../src/core/student/random.js';

/** Two Gaussian blobs in 8 dimensions: learnable, but not by chance. */
function blobs(n: number, seed: number): LabeledMatrix {
  const r = mulberry32(seed);
  const data = new Float32Array(n * 8);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 8; j++) data[i * 8 + j] = (r() - 0.5) + (y[i] ? 0.6 : -0.6) * (j < 2 ? 1 : 0);
  }
  return { x: { data, rows: n, width: 8 }, y };
}

describe('student training', () => {
  it('learns, restores the kept epoch and leaks no tensor per epoch or per run', async () => {
    patchCpuKernels();
    await tf.setBackend('cpu');
    const baseline = tf.memory().numTensors;
    const hyper = { ...DEFAULT_HYPER, hidden: [16], epochs: 6, patience: 10, batchSize: 16 };
    const model = buildMlp(8, 2, hyper);
    const perEpoch: number[] = [];
    const fit = await fitStudent(model, blobs(200, 1), blobs(100, 2), ['a', 'b'], hyper, {
      onEpoch: () => perEpoch.push(tf.memory().numTensors),
    });
    // The kept epoch's weight copy is held from epoch 1 on, so the count is flat after epoch 1.
    expect(new Set(perEpoch.slice(1)).size).toBe(1);
    expect(fit.val.accuracy).toBeGreaterThan(0.8);
    expect(fit.val.macroF1).toBe(fit.history[fit.bestEpoch - 1].valMacroF1);
    const scores = await predictScores(model, blobs(10, 3).x);
    expect(scores[0]!.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    model.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('is deterministic for a seed', async () => {
    await tf.setBackend('cpu');
    const run = async () => {
      const hyper = { ...DEFAULT_HYPER, hidden: [8], epochs: 2, batchSize: 32 };
      const m = buildMlp(8, 2, hyper);
      const f = await fitStudent(m, blobs(64, 1), blobs(32, 2), ['a', 'b'], hyper);
      m.dispose();
      return f.history.map((h) => h.loss);
    };
    expect(await run()).toEqual(await run());
  });

  it('weights classes by inverse frequency, and each example by its own weight times its class\'s', () => {
    expect(classWeights(Int32Array.from([0, 0, 0, 1]), 2)).toEqual({ 0: 4 / 6, 1: 2 });
    // A seed weighted 3 in class 1 (mass 3 + 1): class 0 weighs 5/(2·1), class 1 5/(2·4).
    const w = lossWeights(Int32Array.from([0, 1, 1]), 2, Float32Array.from([1, 3, 1]));
    expect(Array.from(w)).toEqual([2.5, 3 * 0.625, 0.625]);
  });

  it('the cpu scatter-add kernel gives the same embedding gradient as a dense reference', () => {
    patchCpuKernels();
    tf.setBackend('cpu');
    const g = tf.tidy(() => {
      const table = tf.variable(tf.zeros([5, 2]));
      const ids = tf.tensor1d([1, 3, 1], 'int32');
      const { grads } = tf.variableGrads(() => tf.gather(table, ids).sum(), [table]);
      const out = grads[table.name].arraySync();
      table.dispose();
      return out;
    });
    expect(g).toEqual([[0, 0], [2, 2], [0, 0], [1, 1], [0, 0]]);
  });
});
