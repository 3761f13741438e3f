/**
 * The Train step's use case over the memory store (core/projects/train.ts): a project's examples
 * split by the one validation rule, a student trained, scored and saved with everything Evaluate
 * and Export read, the result remembered in the project; and the ways it refuses or stops.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { Example } from '../../src/core/dataset/example.js';
import { isAbortError, isUserError } from '../../src/core/errors.js';
import { createProject } from '../../src/core/projects/projects.js';
import { trainProject } from '../../src/core/projects/train.js';
import type { LoopState } from '../../src/core/loop/state.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { predict } from '../../src/core/student/predict.js';
import { loadModelRecord, modelMeta } from '../../src/core/student/record.js';
import { fixtureExamples, tinyWordTable } from './bundle-fixture.js';

const at = '2026-01-01T00:00:00.000Z';
const seed = (id: string, text: string, label: string): Example => ({ id, text, label, split: 'train', provenance: { source: 'seed', round: 0, createdAt: at } });

/** 10 real examples per class, none set aside for validation, and a teacher's example of each. */
function examples(): Example[] {
  const pos = ['great', 'lovely', 'superb', 'wonderful', 'brilliant', 'charming', 'delightful', 'moving', 'excellent', 'warm'];
  const neg = ['dull', 'awful', 'boring', 'dreadful', 'tedious', 'clumsy', 'lifeless', 'terrible', 'bad', 'stupid'];
  const xs = [...pos.map((w, i) => seed(`p${i}`, `a ${w} film`, 'pos')), ...neg.map((w, i) => seed(`n${i}`, `a ${w} film`, 'neg'))];
  xs.push({ ...seed('g1', 'what a joy to watch', 'pos'), provenance: { source: 'generated', round: 0, createdAt: at, requestId: 'r:x' } });
  return xs;
}

const features = () => ({ kind: 'words' as const, wv: tinyWordTable([...fixtureExamples(), ...examples()]).wv });

describe('training a project', () => {
  it('holds out real examples by the one rule, saves a model that describes itself, and remembers the result', async () => {
    await tf.setBackend('cpu');
    const store = new MemoryStore();
    await createProject(store, { id: 'p', name: 'Reviews', examples: examples() });
    const events: string[] = [];
    const { summary, student } = await trainProject(store, 'p', {
      features: features(), backend: 'cpu', hyper: { epochs: 4 },
      onEvent: (e) => events.push(e.kind === 'phase' ? e.phase : e.kind),
    });
    // 20% of each class's real examples validate; every teacher example trains.
    expect(summary.valFrom).toBe('held-out-real');
    expect(summary.examples).toEqual({ train: 17, val: 4, test: 0 });
    expect(events.slice(0, 5)).toEqual(['data', 'data', 'vectors', 'backend', 'training']);
    expect(events.at(-1)).toBe('saving');
    expect(summary.labels).toEqual(['neg', 'pos']);
    expect(summary.val.labels).toEqual(['neg', 'pos']);
    // The stored model: its spec, its metrics and mistakes, how it trained; it loads and predicts as the live one.
    const record = (await store.getModel(summary.modelId))!;
    const meta = modelMeta(record);
    expect(meta.spec).toMatchObject({ formatVersion: 2, kind: 'wordpool', labels: ['neg', 'pos'] });
    expect(meta.metrics?.val).toEqual(summary.val);
    expect(Array.isArray(meta.mistakes)).toBe(true);
    expect(meta.training).toMatchObject({ backend: 'cpu', bestEpoch: summary.bestEpoch, valFrom: 'held-out-real' });
    const loaded = await loadModelRecord(record);
    const texts = ['a lovely warm film', 'a dull and stupid film'];
    const [a, b] = [await predict(student, texts), await predict(loaded, texts)];
    a.forEach((p, i) => p.scores.forEach((s, j) => expect(b[i].scores[j]).toBeCloseTo(s, 6)));
    loaded.model.dispose();
    student.model.dispose();
    expect((await store.getProject('p'))!.settings.train?.summary.modelId).toBe(summary.modelId);
  });

  it('leaves training examples that are validation or test texts out of training, and says so with every score\'s count and interval', async () => {
    await tf.setBackend('cpu');
    const store = new MemoryStore();
    const xs = examples();
    const val = [{ ...xs[0], id: 'v0', text: xs[0].text.toUpperCase(), split: 'val' as const }, { ...xs[10], id: 'v1', split: 'val' as const }, { ...seed('v2', 'a fine film', 'pos'), split: 'val' as const }];
    const test = [{ ...xs[11], id: 't0', text: ` ${xs[11].text} `, split: 'test' as const }, { ...seed('t1', 'a grim film', 'neg'), split: 'test' as const }];
    await createProject(store, { id: 'p', name: 'Reviews', examples: [...xs, ...val, ...test] });
    const data: unknown[] = [];
    const { summary, student } = await trainProject(store, 'p', { features: features(), backend: 'cpu', hyper: { epochs: 2 }, onEvent: (e) => { if (e.kind === 'data') data.push(e); } });
    student.model.dispose();
    expect(summary.overlap).toEqual({ val: 2, test: 1 });
    expect(summary.examples).toEqual({ train: xs.length - 3, val: 3, test: 2 });
    // Told before training starts, for the page's status line.
    expect(data).toEqual([{ kind: 'data', examples: summary.examples, valFrom: 'project', overlap: { val: 2, test: 1 }, droveLeftOut: 0 }]);
    expect(summary.val).toMatchObject({ n: 3, set: { role: 'validation' }, intervals: { level: 0.95 } });
    expect(summary.test).toMatchObject({ n: 2, set: { role: 'test' } });
    expect(modelMeta((await store.getModel(summary.modelId))!).training?.overlap).toEqual({ val: 2, test: 1 });
  });

  it('leaves out of validation the texts whose errors a synthesis run sent to the teacher', async () => {
    await tf.setBackend('cpu');
    const store = new MemoryStore();
    const xs = examples();
    const val = ['a fine film', 'a nice film', 'a grim film', 'a weak film'].map((t, i) => ({ ...seed(`v${i}`, t, i < 2 ? 'pos' : 'neg'), split: 'val' as const }));
    await createProject(store, { id: 'p', name: 'Reviews', examples: [...xs, ...val] });
    const driver = { id: 'v0', text: 'A FINE FILM', label: 'pos', predicted: 'neg', confidence: 0.9 };
    const state = { version: 1, fingerprint: '', config: {}, labels: ['neg', 'pos'], steps: [], rounds: [{ round: 1, added: {}, addedTotal: 0, rejected: {}, teacher: {}, drivenBy: [driver] }], baselines: {} };
    await store.putRun({ id: 'run', projectId: 'p', kind: 'loop', status: 'done', createdAt: at, updatedAt: at, state: state as unknown as LoopState });
    const { summary, student } = await trainProject(store, 'p', { features: features(), backend: 'cpu', hyper: { epochs: 1 } });
    student.model.dispose();
    expect(summary.droveLeftOut).toBe(1);
    expect(summary.examples.val).toBe(3);
    expect(summary.val.n).toBe(3);
  });

  it('refuses with what to do: no project, no example left to validate on, one class', async () => {
    const store = new MemoryStore();
    const refuse = (id: string) => trainProject(store, id, { features: features(), backend: 'cpu' }).catch((e: unknown) => e);
    expect(await refuse('nope')).toSatisfy((e: unknown) => isUserError(e) && e.code === 'no-project');
    await createProject(store, { id: 'one', name: 'One', examples: [seed('a', 'a fine film', 'pos')] });
    expect(await refuse('one')).toSatisfy((e: unknown) => isUserError(e) && e.code === 'no-validation');
    await createProject(store, { id: 'same', name: 'Same', examples: [seed('a', 'a fine film', 'pos'), seed('b', 'a great film', 'pos'), seed('c', 'a nice film', 'pos')] });
    expect(await refuse('same')).toSatisfy((e: unknown) => isUserError(e) && e.code === 'one-class');
  });

  it('stops when cancelled and stores nothing', async () => {
    await tf.setBackend('cpu');
    const store = new MemoryStore();
    await createProject(store, { id: 'p', name: 'Reviews', examples: examples() });
    const ac = new AbortController();
    const err = await trainProject(store, 'p', {
      features: features(), backend: 'cpu', signal: ac.signal, hyper: { epochs: 30, patience: 30 },
      onEvent: (e) => { if (e.kind === 'epoch') ac.abort(); },
    }).catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(await store.listModels('p')).toEqual([]);
    expect((await store.getProject('p'))!.settings.train).toBeUndefined();
  });
});
