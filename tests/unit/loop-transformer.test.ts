/**
 * The loop with the fine-tuned transformer as its student (the Synthesize step's Accurate choice,
 * as the worker wires it: epoch checkpoints per training, only the best round's student kept), on
 * the tiny test BERT with the fake teacher: every training is the transformer, the kept round's
 * record stores and loads, and a run cut off in the middle of a round's training continues that
 * training from its last finished epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAbortError } from '../../src/core/errors.js';
import { loopTrainingKey } from '../../src/core/loop/checkpoint.js';
import type { LoopDeps } from '../../src/core/loop/deps.js';
import { runLoop } from '../../src/core/loop/run.js';
import { loopStudent } from '../../src/core/loop/students.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { predict } from '../../src/core/student/predict.js';
import { loadModelRecord, modelMeta } from '../../src/core/student/record.js';
import type { TransformerFeatures } from '../../src/core/student/student.js';
import type { StepReport } from '../../src/core/student/train.js';
import type { FineTunedTransformer } from '../../src/core/student/finetune/model.js';
import { useNodeBackend } from '../../src/core/transformer/backend-node.js';
import { dirFiles } from '../../src/core/transformer/files-node.js';
import { readSentenceTransformer } from '../../src/core/transformer/load.js';
import { config, data, fakeDeps } from './loop-fakes.js';

let features: TransformerFeatures;
// The tiny BERT's random weights carry no meaning: all of it trains, briefly.
const HYPER = { epochs: 2, batchSize: 8, bodyLearningRate: 1e-2, learningRate: 3e-2, patience: 10, freezeEmbeddings: false };

beforeAll(async () => {
  await useNodeBackend('wasm');
  features = { kind: 'transformer', base: await readSentenceTransformer(await dirFiles('tests/fixtures/tiny-bert')) };
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** The worker's Accurate student (worker/loop.ts), recording which training each step belongs to. */
function accurate(onStep: (r: StepReport, key: string) => void): LoopDeps {
  let key = '';
  const student = loopStudent(features, { backend: 'wasm', hyper: HYPER, checkpoints: true, keepModels: 'best', onStep: (r) => onStep(r, key) });
  return { ...fakeDeps(), ...student, train: (input, o) => { key = input.key!; return student.train(input, o); } };
}

describe('the loop with the fine-tuned transformer as its student', () => {
  it('trains the transformer in every round, with step progress, and keeps the kept round\'s student, which loads and predicts', async () => {
    const store = new MemoryStore();
    const steps = new Map<string, number>();
    const state = await runLoop(config({ rounds: 1, budget: 20 }), data(), { store, deps: accurate((r, key) => steps.set(key, r.steps)) });
    expect(state.steps).toContain('done');
    expect([...steps.keys()]).toEqual(['seeds-only', 'r0', 'r1'].map((t) => loopTrainingKey('run', t)));
    const models = await store.listModels('p');
    expect(models.map((m) => m.id)).toEqual([`run:r${state.finalRound}`]);
    const spec = modelMeta(models[0]!).spec;
    expect(spec.kind).toBe('transformer');
    console.log(`tiny BERT round record: ${models[0]!.weights.byteLength} bytes of weights`);
    // The record says where it trained, and a reload scores it there first.
    expect(modelMeta(models[0]!).training?.backend).toBe('wasm');
    const loaded = await loadModelRecord(models[0]!);
    expect((loaded.model as FineTunedTransformer).backend).toBe('wasm');
    const p = await predict(loaded, ['good show', 'awful show']);
    expect(p.map((x) => x.scores.length)).toEqual([2, 2]);
    // Trained on cpu (where wasm would start first in Node): loaded on cpu, the same scores.
    const onCpu = await loadModelRecord({ ...models[0]!, meta: { ...modelMeta(models[0]!), training: { ...modelMeta(models[0]!).training!, backend: 'cpu' } } });
    expect((onCpu.model as FineTunedTransformer).backend).toBe('cpu');
    const q = await predict(onCpu, ['good show', 'awful show']);
    q.forEach((x, i) => x.scores.forEach((v, j) => expect(v).toBeCloseTo(p[i]!.scores[j]!, 4)));
    onCpu.model.dispose();
    loaded.model.dispose();
    // Every training finished: no checkpoint is left.
    for (const t of ['seeds-only', 'r0', 'r1']) expect(await store.getCheckpoint(loopTrainingKey('run', t))).toBeUndefined();
  }, 240_000);

  it('a run cut off in a round\'s second epoch continues that round\'s training from its checkpoint, not from the start', async () => {
    const store = new MemoryStore();
    const r0 = loopTrainingKey('run', 'r0');
    const ac = new AbortController();
    await expect(runLoop(config({ rounds: 1, budget: 20 }), data(), {
      store, signal: ac.signal, deps: accurate((r, key) => { if (key === r0 && r.epoch === 2) ac.abort(); }),
    })).rejects.toSatisfy(isAbortError);
    expect((await store.getCheckpoint(r0))?.meta).toMatchObject({ epoch: 1 });

    const first: StepReport[] = [];
    const state = await runLoop(config({ rounds: 1, budget: 20 }), data(), {
      store, deps: accurate((r, key) => { if (key === r0 && !first.length) first.push(r); }),
    });
    expect(state.steps).toContain('done');
    // The resumed training's first step is in epoch 2: epoch 1 came from the checkpoint.
    expect(first[0]).toMatchObject({ epoch: 2, step: 1 });
    expect(first[0]!.steps).toBe(first[0]!.stepsInEpoch + 1);
    expect(await store.getCheckpoint(r0)).toBeUndefined();
  }, 240_000);
});
