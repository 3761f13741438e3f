/**
 * The Synthesize step's use case over the memory store (core/projects/synthesis.ts, loop/adopt.ts):
 * a run works in the project itself, and what its teacher makes ends up there exactly once. An
 * annotation turns the project's unlabeled row into a labeled one; a generated text that is one of
 * the unlabeled texts labels it too; a copy of a text the project has goes; and every count the run
 * reports is the number of rows it really added or labeled.
 */
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/core/dataset/example.js';
import { adoptRun } from '../../src/core/loop/adopt.js';
import { runLoop } from '../../src/core/loop/run.js';
import { createProject } from '../../src/core/projects/projects.js';
import { adoptLegacyShadow, startSynthesis, synthesisRecord, teacherExamples } from '../../src/core/projects/synthesis.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { config, data, fakeDeps, now } from './loop-fakes.js';

const row = (id: string, text: string, label: string | null, source: Example['provenance']['source'] = 'seed'): Example => ({
  id, text, label, split: label === null ? 'unlabeled' : 'train', provenance: { source, round: 0, createdAt: now, file: 'data.csv', row: 2 },
});

/** A teacher row as teacher/synthesize writes it for run `run`. */
const made = (run: string, i: number, text: string, label: string, source: 'annotated' | 'generated', round = 0): Example => ({
  id: `${run}:r${round}:job:k${i}:0`, text, label, split: 'train',
  provenance: { source, round, strategy: source === 'annotated' ? 'annotate' : 'generate', teacherModel: 'sim', requestId: `${run}:r${round}:job:k${i}`, createdAt: now },
});

async function project(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await createProject(store, {
    id: 'p', name: 'Reviews',
    examples: [row('s1', 'good film', 'pos'), row('s2', 'bad film', 'neg'), row('u1', 'a fine tale', null), row('u2', 'a dull tale', null), row('u3', 'a grim tale', null)],
  });
  return store;
}

describe('adopting what a synthesis run made', () => {
  it('labels the unlabeled rows the teacher annotated or wrote again, drops copies, and counts exactly the rows it added or labeled', async () => {
    const store = await project();
    await store.putExamples('p', [
      made('r', 1, 'a fine tale', 'pos', 'annotated'),
      made('r', 2, '  A DULL TALE ', 'neg', 'annotated'),
      made('r', 3, 'a grim tale', 'neg', 'generated'), // generated, but it is one of the unlabeled texts
      made('r', 4, 'Good film', 'pos', 'generated'), // a copy of a seed
      made('r', 5, 'a lovely evening', 'pos', 'generated'),
    ]);
    const adopted = await adoptRun(store, 'p', 'r');
    const after = await store.listExamples('p');
    const byId = new Map(after.map((e) => [e.id, e]));
    // The user's rows keep their ids and where they came from, now labeled, with the teacher's provenance.
    expect(byId.get('u1')).toMatchObject({ label: 'pos', split: 'train', provenance: { source: 'annotated', teacherModel: 'sim', file: 'data.csv', row: 2 } });
    expect(byId.get('u2')).toMatchObject({ label: 'neg', split: 'train', provenance: { source: 'annotated' } });
    expect(byId.get('u3')).toMatchObject({ label: 'neg', split: 'train', provenance: { source: 'generated' } });
    expect(after.filter((e) => e.split === 'unlabeled')).toEqual([]);
    // Each text once.
    const keys = after.map((e) => e.text.trim().toLowerCase());
    expect(new Set(keys).size).toBe(after.length);
    expect(after.map((e) => e.text)).toContain('a lovely evening');
    // The counts are the rows: one new example, three unlabeled texts labeled.
    expect(adopted).toEqual({ added: 1, labeled: 3, bySource: { annotated: 2, generated: 2 } });
    const before = after.length;
    expect(await adoptRun(store, 'p', 'r')).toEqual(adopted);
    expect((await store.listExamples('p')).length).toBe(before);
  });

  it('a run with annotation leaves no annotated text unlabeled in the project, and its rounds add up to the rows', async () => {
    const store = new MemoryStore();
    const d = data();
    const state = await runLoop(config({ strategy: 'mix', mix: { annotate: 1, generate: 1 }, rounds: 1, budget: 30 }), d, { store, deps: fakeDeps() });
    const all = await store.listExamples('p');
    const fromRun = all.filter((e) => e.provenance.requestId?.startsWith('run:'));
    const annotated = fromRun.filter((e) => e.provenance.source === 'annotated');
    expect(annotated.length).toBeGreaterThan(0);
    // Annotated texts are the unlabeled rows themselves, now labeled: none is left unlabeled, none doubled.
    const unlabeledTexts = new Set(all.filter((e) => e.split === 'unlabeled').map((e) => e.text));
    for (const e of annotated) expect(unlabeledTexts.has(e.text)).toBe(false);
    expect(new Set(all.map((e) => e.text.trim().toLowerCase())).size).toBe(all.length);
    const labeledRows = fromRun.filter((e) => !e.id.startsWith('run:'));
    expect(labeledRows.length).toBeGreaterThan(0);
    expect(state.rounds.reduce((n, r) => n + r.addedTotal, 0)).toBe(fromRun.length);
    expect(state.rounds.reduce((n, r) => n + (r.labeled ?? 0), 0)).toBe(labeledRows.length);
    // Every job the run started is listed with what its journal holds.
    const rec = await synthesisRecord(store, 'p', 'run');
    expect([...rec.jobs.keys()]).toEqual(state.jobs!.map((j) => j.id));
    expect([...rec.jobs.values()].reduce((n, c) => n + c.accepted, 0)).toBeGreaterThanOrEqual(fromRun.length);
  });

  it('a new run settles the last one first, so what it made stays in the project', async () => {
    const store = await project();
    const first = await startSynthesis(store, 'p', { mix: { annotate: 1, generate: 0, rationale: 0 }, budget: 10, rounds: 0, price: { input: 0, output: 0 } }, 1);
    // The first run was stopped mid-round: its annotation is in the project, not yet settled.
    await store.putExamples('p', [made(first.runId, 1, 'a fine tale', 'pos', 'annotated')]);
    const second = await startSynthesis(store, 'p', first.settings, 2);
    expect(second.runId).not.toBe(first.runId);
    expect((await store.getProject('p'))!.settings.synth!.runId).toBe(second.runId);
    const u1 = (await store.listExamples('p')).find((e) => e.id === 'u1');
    expect(u1).toMatchObject({ label: 'pos', split: 'train' });
  });

  it('"Start over" can remove what earlier runs made: the teacher\'s texts go, the user\'s texts it labeled go back to unlabeled, the rest stays (issue 19)', async () => {
    const store = await project();
    await store.putExamples('p', [{ ...row('v1', 'a fair film', 'pos'), split: 'val' }]);
    const first = await startSynthesis(store, 'p', { mix: { annotate: 1, generate: 1, rationale: 0 }, budget: 10, rounds: 0, price: { input: 0, output: 0 } }, 1);
    // The first run labeled two of the user's texts and wrote two; the user moved one of the teacher's to validation.
    await store.putExamples('p', [
      made(first.runId, 1, 'a fine tale', 'pos', 'annotated'), made(first.runId, 2, 'a dull tale', 'neg', 'annotated'),
      made(first.runId, 3, 'a lovely evening', 'pos', 'generated'), { ...made(first.runId, 4, 'a grim evening', 'neg', 'generated'), split: 'val' },
    ]);
    const before = await store.listExamples('p');
    // What the dialog says before anything is settled: the two annotations are the user's texts, labeled.
    expect(await teacherExamples(store, 'p')).toEqual({ made: 1, labeled: 2 });
    // Keep: the next run settles the first and leaves everything in the project.
    const kept = await startSynthesis(store, 'p', first.settings, 2, 'keep');
    expect(await teacherExamples(store, 'p')).toEqual({ made: 1, labeled: 2 });
    expect((await store.listExamples('p')).length).toBe(before.length - 2); // the two teacher copies became the user's rows
    // Remove: the teacher's training examples go; the user's texts are unlabeled again, with their file and row.
    const fresh = await startSynthesis(store, 'p', first.settings, 3, 'remove');
    expect(fresh.runId).not.toBe(kept.runId);
    const after = await store.listExamples('p');
    const byId = new Map(after.map((e) => [e.id, e]));
    expect(byId.get('u1')).toMatchObject({ label: null, split: 'unlabeled', provenance: { source: 'seed', file: 'data.csv', row: 2 } });
    expect(byId.get('u1')!.provenance.requestId).toBeUndefined();
    expect(byId.get('u2')).toMatchObject({ label: null, split: 'unlabeled' });
    expect(after.map((e) => e.text)).not.toContain('a lovely evening');
    // Seeds, the user's validation row and the teacher's row the user moved to validation stay.
    expect(after.filter((e) => e.label !== null).map((e) => e.text).sort()).toEqual(['a fair film', 'a grim evening', 'bad film', 'good film']);
    expect(await teacherExamples(store, 'p')).toEqual({ made: 0, labeled: 0 });
  });

  it('brings a project of an earlier version (a `<id>~loop` shadow) into the project, and keeps its run', async () => {
    const store = await project();
    await createProject(store, { id: 'p~loop', name: 'shadow', examples: [{ ...row('seed:s1', 'good film', 'pos') }, made('old', 1, 'a fine tale', 'pos', 'annotated'), made('old', 2, 'a brand new text', 'neg', 'generated')] });
    await store.putRun({ id: 'old', projectId: 'p~loop', kind: 'loop', status: 'done', createdAt: now, updatedAt: now, state: { version: 1, fingerprint: 'x', config: { ...config(), projectId: 'p~loop', runId: 'old' }, labels: ['neg', 'pos'], steps: ['done'], rounds: [], baselines: {} } });
    expect(await adoptLegacyShadow(store, 'p')).toBe(true);
    expect(await store.getProject('p~loop')).toBeUndefined();
    const all = await store.listExamples('p');
    expect(all.find((e) => e.id === 'u1')).toMatchObject({ label: 'pos', split: 'train' });
    expect(all.map((e) => e.text)).toContain('a brand new text');
    expect(all.filter((e) => e.text === 'good film')).toHaveLength(1);
    expect((await store.listRuns('p')).map((r) => r.id)).toEqual(['old']);
    expect(await adoptLegacyShadow(store, 'p')).toBe(false);
  });
});
