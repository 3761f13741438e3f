/**
 * The Synthesize step's choice of student (Fast or Accurate) as the run records it: settings saved
 * before the choice read as Fast and make the same run config as before (so their runs resume), an
 * Accurate choice is in the config; the loop names each training's checkpoint key, keeps only the
 * best round's student when asked (a transformer's is ~90 MB), and a cancelled run's training
 * checkpoints go with it.
 */
import { describe, expect, it } from 'vitest';
import { getLoopRun, loopTrainingKey, loopTrainingKeys } from '../../src/core/loop/checkpoint.js';
import type { TrainInput } from '../../src/core/loop/deps.js';
import { runLoop } from '../../src/core/loop/run.js';
import { synthStudent, type SynthSettings } from '../../src/core/projects/settings.js';
import { savedSynthesis, saveSynthesis, settleSynthesis, startSynthesis, synthesisConfig } from '../../src/core/projects/synthesis.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { defaultSynthSettings } from '../../src/app/synthesize/synth-settings.js';
import { config, data, ex, fakeDeps, worseAfterRound0 } from './loop-fakes.js';

/** Settings as a project saved them before the student was a choice. */
const before: SynthSettings = { mix: { generate: 50, rationale: 50, annotate: 0 }, budget: 200, rounds: 2, price: { input: 0, output: 0 } };

describe('the Synthesize step\'s student setting', () => {
  it('reads as Fast in settings saved before the choice, and is Fast for a new project', () => {
    expect(synthStudent(before)).toBe('word');
    expect(synthStudent({ student: 'transformer' })).toBe('transformer');
    expect(defaultSynthSettings(false).student).toBe('word');
  });

  it('leaves a Fast run\'s config as it was before the choice (its fingerprint, and so its resume, is unchanged)', () => {
    const old = synthesisConfig('p', 'run', before, 'm');
    expect('student' in old).toBe(false);
    expect(synthesisConfig('p', 'run', { ...before, student: 'word', backend: 'wasm' }, 'm')).toEqual(old);
  });

  it('puts an Accurate choice, with its backend, in the run\'s config', () => {
    expect(synthesisConfig('p', 'run', { ...before, student: 'transformer', backend: 'wasm' }, 'm').student).toEqual({ kind: 'transformer', backend: 'wasm' });
    expect(synthesisConfig('p', 'run', { ...before, student: 'transformer' }, 'm').student).toEqual({ kind: 'transformer', backend: 'auto' });
  });

  it('is saved with the run, so a reloaded page resumes the same run with the same student', async () => {
    const store = new MemoryStore();
    await store.putProject({ id: 'p', name: 'P', createdAt: 't', updatedAt: 't', labels: ['neg', 'pos'], settings: {} });
    const saved = await startSynthesis(store, 'p', { ...before, student: 'transformer', backend: 'wasm' }, 1);
    const again = await savedSynthesis(store, 'p');
    expect(again?.settings.student).toBe('transformer');
    expect(synthesisConfig('p', again!.runId, again!.settings, 'm')).toEqual(synthesisConfig('p', saved.runId, saved.settings, 'm'));
  });
});

describe('the loop\'s trainings and stored students', () => {
  it('names each training\'s checkpoint key: the seeds-only baseline, then each round', async () => {
    const deps = fakeDeps();
    const inputs: TrainInput[] = [];
    await runLoop(config({ rounds: 1, budget: 20 }), data(), {
      store: new MemoryStore(), deps: { ...deps, train: (input, o) => { inputs.push(input); return deps.train(input, o); } },
    });
    expect(inputs.map((i) => i.key)).toEqual(['seeds-only', 'r0', 'r1'].map((t) => loopTrainingKey('run', t)));
    expect(inputs.every((i) => i.projectId === 'p')).toBe(true);
  });

  const dataWithMoreVal = () => {
    const d = data();
    d.val = [...d.val!, ex('v6', 'nice song', 'pos'), ex('v7', 'weak song', 'neg')];
    return d;
  };

  it('keeps every round\'s student by default (Export offers each)', async () => {
    const store = new MemoryStore();
    const state = await runLoop(config({ rounds: 2, budget: 60, patience: 9 }), dataWithMoreVal(), { store, deps: worseAfterRound0() });
    expect(state.rounds.length).toBeGreaterThanOrEqual(2);
    expect((await store.listModels('p')).map((m) => m.id).sort()).toEqual(state.rounds.map((r) => `run:r${r.round}`));
  });

  it('with keepModels "best", keeps only the round the run keeps, also when it is not the last', async () => {
    const store = new MemoryStore();
    const state = await runLoop(config({ rounds: 2, budget: 60, patience: 9 }), dataWithMoreVal(), { store, deps: { ...worseAfterRound0(), keepModels: 'best' } });
    expect(state.rounds.length).toBeGreaterThanOrEqual(2);
    expect(state.finalRound).toBe(0);
    expect((await store.listModels('p')).map((m) => m.id)).toEqual(['run:r0']);
    // The rounds' scores stay in the run's record (Evaluate shows them).
    expect(state.rounds.every((r) => r.val)).toBe(true);
  });

  it('with keepModels "best", keeps the last round when it is as good as the best (the final choice takes the later of equals)', async () => {
    const store = new MemoryStore();
    const state = await runLoop(config({ rounds: 2, budget: 60, patience: 9 }), data(), { store, deps: { ...fakeDeps(), keepModels: 'best' } });
    expect((await store.listModels('p')).map((m) => m.id)).toEqual([`run:r${state.finalRound}`]);
  });

  it('a cancelled run\'s training checkpoints are deleted when it is settled; other jobs\' stay', async () => {
    const store = new MemoryStore();
    await runLoop(config({ rounds: 1, budget: 20 }), data(), { store, deps: fakeDeps() });
    expect(loopTrainingKeys('run', 1)).toContain(loopTrainingKey('run', 'r1'));
    const put = (id: string) => store.putCheckpoint({ id, projectId: 'p', createdAt: 't', meta: {}, data: new ArrayBuffer(8) });
    await put(loopTrainingKey('run', 'r1'));
    await put(loopTrainingKey('run', 'seeds-only'));
    await put('p:train');
    expect((await getLoopRun(store, 'run'))?.state.config.rounds).toBe(1);
    await settleSynthesis(store, 'p', 'run');
    expect(await store.getCheckpoint(loopTrainingKey('run', 'r1'))).toBeUndefined();
    expect(await store.getCheckpoint(loopTrainingKey('run', 'seeds-only'))).toBeUndefined();
    expect(await store.getCheckpoint('p:train')).toBeDefined();
  });

  it('starting over deletes the last run\'s training checkpoints (a paused run\'s round is never resumed then)', async () => {
    const store = new MemoryStore();
    await runLoop(config({ rounds: 1, budget: 20 }), data(), { store, deps: fakeDeps() });
    await saveSynthesis(store, 'p', { runId: 'run', settings: { ...before, rounds: 1, student: 'transformer' }, stopped: 'paused' });
    const first = { runId: 'run' };
    await store.putCheckpoint({ id: loopTrainingKey(first.runId, 'r1'), projectId: 'p', createdAt: 't', meta: {}, data: new ArrayBuffer(8) });
    await startSynthesis(store, 'p', { ...before, student: 'transformer' }, 2);
    expect(await store.getCheckpoint(loopTrainingKey(first.runId, 'r1'))).toBeUndefined();
  });
});
