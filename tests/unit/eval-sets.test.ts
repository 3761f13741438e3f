/**
 * The Data step's validation and test files (issue 19), over the memory store: uploaded, replaced and
 * removed; what they take out of training told before anything trains (issue 16's check between a
 * project's seeds and its validation texts); refused with a clear message, and nothing changed, when
 * a label is unknown, when the file would leave a class nothing to train on, or under a running
 * synthesis run.
 */
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/core/dataset/example.js';
import { isUserError } from '../../src/core/errors.js';
import { evalSets, removeEvalSet, setEvalSet } from '../../src/core/projects/eval-sets.js';
import { createProject } from '../../src/core/projects/projects.js';
import type { LoopState } from '../../src/core/loop/state.js';
import { MemoryStore } from '../../src/core/store/memory.js';

const at = '2026-01-01T00:00:00.000Z';
const ex = (id: string, text: string, label: string): Example => ({ id, text, label, split: 'train', provenance: { source: 'seed', round: 0, createdAt: at } });
const seeds = () => [...Array.from({ length: 10 }, (_, i) => ex(`p${i}`, `a good film ${i}`, 'pos')), ...Array.from({ length: 10 }, (_, i) => ex(`n${i}`, `a bad film ${i}`, 'neg'))];
const file = (fileName: string, accepted: number) => ({ fileName, format: 'tsv', textColumn: 'text', labelColumn: 'label', accepted, rejected: 0 });

async function project() {
  const store = new MemoryStore();
  await createProject(store, { id: 'p', name: 'Films', examples: seeds() });
  return store;
}

const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (isUserError(e) ? e : Promise.reject(e)));

describe('validation and test files of a project', () => {
  it('without files, validation is 20% of each class held out; a file replaces that, and tells what it takes out of training', async () => {
    const store = await project();
    expect(await evalSets(store, 'p')).toMatchObject({ val: { count: 4, from: 'held-out' }, test: { count: 0 }, overlap: { val: 0, test: 0 } });
    // Three seeds in the validation file (one in upper case), five new texts.
    const val = [ex('x1', 'a good film 1', 'pos'), ex('x2', 'A BAD FILM 2 ', 'neg'), ex('x3', 'a good film 3', 'pos'), ...['nice', 'fine', 'grim', 'dull', 'weak'].map((w, i) => ex(`y${i}`, `a ${w} one`, i < 2 ? 'pos' : 'neg'))];
    const s = await setEvalSet(store, 'p', 'val', val, file('val.tsv', 8));
    expect(s.val).toMatchObject({ count: 8, from: 'project', file: { fileName: 'val.tsv' } });
    expect(s.overlap).toEqual({ val: 3, test: 0 });
    const t = await setEvalSet(store, 'p', 'test', [ex('t1', 'a bad film 9', 'neg'), ex('t2', 'a so-so film', 'pos')], file('test.tsv', 2));
    expect(t).toMatchObject({ test: { count: 2, file: { fileName: 'test.tsv' } }, overlap: { val: 3, test: 1 } });
    // The seeds themselves are untouched: only training leaves them out.
    expect((await store.listExamples('p', { split: 'train' })).length).toBe(20);
    // A new validation file replaces the last one.
    const again = await setEvalSet(store, 'p', 'val', [ex('z1', 'a lovely one', 'pos'), ex('z2', 'an awful one', 'neg')], file('val2.tsv', 2));
    expect(again).toMatchObject({ val: { count: 2, file: { fileName: 'val2.tsv' } }, overlap: { val: 0, test: 1 } });
    // Removed: validation is held out by the rule again.
    const back = await removeEvalSet(store, 'p', 'val');
    expect(back.val).toMatchObject({ from: 'held-out' });
    expect(back.val.file).toBeUndefined();
    expect((await store.getProject('p'))!.settings.evalFiles).toEqual({ test: expect.objectContaining({ fileName: 'test.tsv' }) });
  });

  it('refuses an unknown label, or a file that would leave a class nothing to train on, and changes nothing', async () => {
    const store = await project();
    const unknown = await refusal(setEvalSet(store, 'p', 'val', [ex('a', 'meh', 'neutral'), ex('b', 'fine', 'pos')], file('v.tsv', 2)));
    expect(unknown?.code).toBe('label-not-in-project');
    expect(unknown?.message).toMatch(/v\.tsv has label 'neutral' \(1 row\) that the project does not have \('neg', 'pos'\)/);
    const allNeg = seeds().filter((e) => e.label === 'neg').map((e) => ({ ...e, id: `v-${e.id}` }));
    const lost = await refusal(setEvalSet(store, 'p', 'test', allNeg, file('t.tsv', 10)));
    expect(lost?.code).toBe('overlap-empties-class');
    expect(await store.listExamples('p', { split: 'test' })).toEqual([]);
    expect((await store.getProject('p'))!.settings.evalFiles).toBeUndefined();
  });

  it('refuses to change the sets under an unfinished synthesis run', async () => {
    const store = await project();
    const p = (await store.getProject('p'))!;
    await store.putProject({ ...p, settings: { ...p.settings, synth: { runId: 'r', settings: { mix: { generate: 100, annotate: 0, rationale: 0 }, budget: 20, rounds: 1, price: { input: 0, output: 0 } } } } });
    await store.putRun({ id: 'r', projectId: 'p', kind: 'loop', status: 'paused', createdAt: at, updatedAt: at, state: { steps: ['prepare'], rounds: [] } as unknown as LoopState });
    const e = await refusal(setEvalSet(store, 'p', 'val', [ex('z1', 'a lovely one', 'pos')], file('v.tsv', 1)));
    expect(e?.code).toBe('run-unfinished');
  });
});
