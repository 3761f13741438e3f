/**
 * Where the fine-tuned transformer trains with 'auto': one trial step timed on each of webgpu,
 * webgl and wasm that starts (a slower one listed first is not chosen: a weak or emulated GPU
 * trains MiniLM ~95x slower than wasm), cpu only when none of them starts, and the estimate's
 * choice passed on to the training instead of timing again.
 *
 * Node has no GPU backends, so a slow stand-in is registered as 'webgl': the cpu backend's own
 * kernels, each made to spin for a while first (as a GPU emulated on the CPU runs), counting its
 * kernel calls, so the test sees whether anything ran there.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { estimateFineTuning } from '../../src/core/student/finetune/estimate.js';
import { TRIAL_TEXTS } from '../../src/core/student/finetune/kind.js';
import { mulberry32 } from '../../src/core/student/random.js';
import { trainStudent, type LabeledTexts, type TransformerFeatures } from '../../src/core/student/student.js';
import { useNodeBackend } from '../../src/core/transformer/backend-node.js';
import { dirFiles } from '../../src/core/transformer/files-node.js';
import { readSentenceTransformer } from '../../src/core/transformer/load.js';
import { keywordReviews } from '../fixtures/keyword-reviews.js';

const reviews = (n: number, seed: number): LabeledTexts => keywordReviews(n, mulberry32(seed), 8);
const HYPER = { epochs: 1, batchSize: 8, bodyLearningRate: 1e-2, learningRate: 3e-2, patience: 10, freezeEmbeddings: false };

/** Kernel calls run on the slow stand-in 'webgl' so far. */
let slowCalls = 0;

function registerSlowWebgl(): void {
  const cpu = tf.backend();
  const Cpu = cpu.constructor as new () => tf.KernelBackend;
  tf.registerBackend('webgl', () => new Cpu(), -1);
  for (const k of tf.getKernelsForBackend('cpu')) {
    // tfjs registers its WebGL kernels even in Node (with no backend to run them): replaced here.
    if (tf.getKernel(k.kernelName, 'webgl')) tf.unregisterKernel(k.kernelName, 'webgl');
    tf.registerKernel({
      ...k, backendName: 'webgl',
      kernelFunc: (args) => {
        slowCalls++;
        const until = performance.now() + 0.5;
        while (performance.now() < until) { /* an emulated GPU's cost */ }
        return k.kernelFunc(args);
      },
    });
  }
}

let features: TransformerFeatures;

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerSlowWebgl();
  await useNodeBackend('wasm');
  features = { kind: 'transformer', base: await readSentenceTransformer(await dirFiles('tests/fixtures/tiny-bert')) };
});

describe('the fine-tuned transformer\'s automatic backend', () => {
  it('times webgl and wasm (not cpu) and trains on the faster, though webgl is listed first', async () => {
    slowCalls = 0;
    const s = await trainStudent(reviews(40, 1), reviews(16, 2), features, { hyper: HYPER });
    s.model.dispose();
    // Before: the first that starts (the slow 'webgl'), untimed.
    expect(s.backend.backend).toBe('wasm');
    expect(s.model.backend).toBe('wasm');
    expect(Object.keys(s.backend.timings).sort()).toEqual(['wasm', 'webgl']);
    expect(s.backend.timings.webgl!).toBeGreaterThan(s.backend.timings.wasm!);
    expect(slowCalls).toBeGreaterThan(0); // the trial ran there
  }, 120_000);

  it('the estimate reports each backend it timed, and the training it is passed to runs on its choice without timing again', async () => {
    const train = reviews(40, 3);
    const val = reviews(16, 4);
    slowCalls = 0;
    const e = await estimateFineTuning(train, val, features, { hyper: HYPER });
    expect(e.backend).toBe('wasm');
    expect(Object.keys(e.timings).sort()).toEqual(['wasm', 'webgl']);
    expect(e.timings.webgl!).toBeGreaterThan(e.timings.wasm!);
    expect(e.trialTexts).toBe(TRIAL_TEXTS);
    expect(slowCalls).toBeGreaterThan(0);

    slowCalls = 0;
    const chosen = { backend: e.backend, timings: e.timings };
    const s = await trainStudent(train, val, features, { hyper: HYPER, chosen });
    s.model.dispose();
    expect(slowCalls).toBe(0); // nothing ran on webgl: no second timing
    expect(s.backend).toEqual(chosen);
    expect(s.model.backend).toBe('wasm');

    // A named backend is not timed either, and the estimate says so with no timings.
    slowCalls = 0;
    const named = await estimateFineTuning(train, val, features, { hyper: HYPER, backend: 'wasm' });
    expect(named).toMatchObject({ backend: 'wasm', timings: {}, trialTexts: 0 });
    expect(slowCalls).toBe(0);
  }, 120_000);

  it('with only wasm and cpu (Node\'s CLI): wasm, cpu never timed', async () => {
    slowCalls = 0;
    const s = await trainStudent(reviews(40, 5), reviews(16, 6), features, { hyper: HYPER, candidates: ['wasm', 'cpu'] });
    s.model.dispose();
    expect(s.backend.backend).toBe('wasm');
    expect(Object.keys(s.backend.timings)).toEqual(['wasm']);
    expect(slowCalls).toBe(0);
  }, 120_000);
});
