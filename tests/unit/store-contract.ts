import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import type { Example } from '../../src/core/dataset/example.js';
import type { ModelRecord, ProjectRecord, RequestRecord, RunRecord, Store } from '../../src/core/store/store.js';

/** The behaviour every Store must have; each implementation runs this same suite. */

export const project = (id: string, name = id): ProjectRecord => ({
  id, name, createdAt: `2026-01-01T00:00:0${id.length % 10}Z`, updatedAt: '2026-01-01T00:00:00Z', labels: ['neg', 'pos'], settings: { task: 'sentiment' },
});
export const example = (id: string, label: string | null, extra: Partial<Example> = {}): Example => ({
  id, text: `text ${id}`, label, split: label === null ? 'unlabeled' : 'train',
  provenance: { source: 'seed', round: 0, file: 'seeds.csv', row: 2, createdAt: '2026-01-01T00:00:00Z' }, ...extra,
});

export function storeContract(name: string, make: () => Promise<{ store: Store; reopen: () => Promise<Store>; cleanup?: () => Promise<void> }>) {
  describe(`${name} store contract`, () => {
    let store: Store;
    let reopen: () => Promise<Store>;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => { ({ store, reopen, cleanup } = await make()); });
    afterEach(async () => { await store.close(); await cleanup?.(); });

    it('keeps projects across a reopen and replaces them by id', async () => {
      await store.putProject(project('p1', 'First'));
      await store.putProject(project('p2', 'Second'));
      await store.putProject({ ...project('p1', 'Renamed') });
      await store.close();
      store = await reopen();
      const list = await store.listProjects();
      expect(list.map((p) => p.name).sort()).toEqual(['Renamed', 'Second']);
      expect((await store.getProject('p1'))?.settings).toEqual({ task: 'sentiment' });
      expect(await store.getProject('nope')).toBeUndefined();
    });

    it('stores examples per project with provenance, filters them, replaces and deletes by id', async () => {
      await store.putProject(project('a'));
      await store.putProject(project('b'));
      await store.putExamples('a', [example('1', 'pos'), example('2', 'neg', { split: 'val' }), example('3', null)]);
      await store.putExamples('b', [example('1', 'neg', { provenance: { source: 'generated', round: 2, teacherModel: 'm', createdAt: 'x' } })]);
      await store.putExamples('a', [example('1', 'neg')]);
      await store.close();
      store = await reopen();
      const a = await store.listExamples('a');
      expect(a).toHaveLength(3);
      expect(a.find((e) => e.id === '1')?.label).toBe('neg');
      expect(a.find((e) => e.id === '2')?.provenance).toEqual({ source: 'seed', round: 0, file: 'seeds.csv', row: 2, createdAt: '2026-01-01T00:00:00Z' });
      expect((await store.listExamples('a', { split: 'val' })).map((e) => e.id)).toEqual(['2']);
      expect((await store.listExamples('a', { split: 'unlabeled' })).map((e) => e.id)).toEqual(['3']);
      const b = await store.listExamples('b', { source: 'generated', round: 2 });
      expect(b.map((e) => [e.id, e.label, e.provenance.teacherModel])).toEqual([['1', 'neg', 'm']]);
      expect(await store.listExamples('b', { round: 1 })).toEqual([]);
      await store.deleteExamples('a', ['1', '3']);
      expect((await store.listExamples('a')).map((e) => e.id)).toEqual(['2']);
      expect(await store.listExamples('b')).toHaveLength(1);
    });

    it('caches embeddings by encoder and text hash', async () => {
      await store.putEmbeddings('enc1', [{ hash: 'h1', vector: new Float32Array([1, 2, 3]) }, { hash: 'h2', vector: new Float32Array([0.5]) }]);
      await store.putEmbeddings('enc2', [{ hash: 'h1', vector: new Float32Array([9]) }]);
      await store.close();
      store = await reopen();
      const got = await store.getEmbeddings('enc1', ['h2', 'missing', 'h1']);
      expect(got[0] && Array.from(got[0])).toEqual([0.5]);
      expect(got[1]).toBeUndefined();
      expect(got[2] && Array.from(got[2])).toEqual([1, 2, 3]);
      expect(Array.from((await store.getEmbeddings('enc2', ['h1']))[0]!)).toEqual([9]);
    });

    it('journals requests per job, the last record for a key winning', async () => {
      const r = (key: string, status: RequestRecord['status']): RequestRecord => ({
        projectId: 'p', jobId: 'j1', key, status, acceptedIds: status === 'done' ? ['x'] : [], rejected: {}, promptTokens: 10, completionTokens: 5, finishedAt: 't',
      });
      await store.putRequest(r('k1', 'failed'));
      await store.putRequest(r('k2', 'done'));
      await store.putRequest(r('k1', 'done'));
      await store.putRequest({ ...r('k1', 'done'), jobId: 'j2' });
      await store.close();
      store = await reopen();
      const list = await store.listRequests('p', 'j1');
      expect(list.map((x) => [x.key, x.status]).sort()).toEqual([['k1', 'done'], ['k2', 'done']]);
      expect(await store.listRequests('p', 'j3')).toEqual([]);
    });

    it('stores runs and models (weights byte for byte) and deletes a project with everything it owns', async () => {
      await store.putProject(project('p'));
      await store.putProject(project('q'));
      await store.putExamples('p', [example('1', 'pos')]);
      await store.putExamples('q', [example('1', 'pos')]);
      const run: RunRecord = { id: 'r1', projectId: 'p', kind: 'teacher-attributes', status: 'running', createdAt: 't', updatedAt: 't', state: { jobId: 'j', label: 'pos', attributes: ['warm'], model: 'm' } };
      await store.putRun(run);
      await store.putRun({ ...run, status: 'done' });
      const weights = new Float32Array([1.5, -2, 3]).buffer;
      const model: ModelRecord = { id: 'm1', projectId: 'p', runId: 'r1', createdAt: 't', meta: { acc: 0.9 }, modelJson: { format: 'layers-model' }, weights };
      await store.putModel(model);
      await store.close();
      store = await reopen();
      expect((await store.getRun('r1'))?.status).toBe('done');
      expect((await store.listRuns('p')).map((x) => x.id)).toEqual(['r1']);
      const m = await store.getModel('m1');
      expect(m?.meta).toEqual({ acc: 0.9 });
      expect(Array.from(new Float32Array(m!.weights))).toEqual([1.5, -2, 3]);
      expect((await store.listModels('p')).map((x) => x.id)).toEqual(['m1']);
      await store.putModel({ ...model, id: 'm2' });
      await store.deleteModel('m2');
      await store.deleteModel('m2'); // already gone: nothing happens
      expect(await store.getModel('m2')).toBeUndefined();
      expect((await store.listModels('p')).map((x) => x.id)).toEqual(['m1']);
      await store.deleteProject('p');
      expect(await store.getProject('p')).toBeUndefined();
      expect(await store.listExamples('p')).toEqual([]);
      expect(await store.listRuns('p')).toEqual([]);
      expect(await store.listModels('p')).toEqual([]);
      expect(await store.getModel('m1')).toBeUndefined();
      expect(await store.listExamples('q')).toHaveLength(1);
      expect((await store.listProjects()).map((p) => p.id)).toEqual(['q']);
    });

    it('keeps one checkpoint per job across a reopen, replaces it whole, and deletes it alone or with its project', async () => {
      await store.putProject(project('p'));
      const data = (xs: number[]) => new Float32Array(xs).buffer;
      await store.putCheckpoint({ id: 'p:train', projectId: 'p', createdAt: 't', meta: { epoch: 1, history: [{ loss: 0.5 }] }, data: data([1, 2]) });
      await store.putCheckpoint({ id: 'p:train', projectId: 'p', createdAt: 't', meta: { epoch: 2 }, data: data([3, 4, 5]) });
      await store.putCheckpoint({ id: 'p:r1', projectId: 'p', createdAt: 't', meta: { epoch: 1 }, data: data([6]) });
      await store.close();
      store = await reopen();
      const c = await store.getCheckpoint('p:train');
      expect(c?.meta).toEqual({ epoch: 2 });
      expect(Array.from(new Float32Array(c!.data))).toEqual([3, 4, 5]);
      await store.deleteCheckpoint('p:train');
      expect(await store.getCheckpoint('p:train')).toBeUndefined();
      expect(await store.getCheckpoint('p:r1')).toBeDefined();
      await store.deleteProject('p');
      expect(await store.getCheckpoint('p:r1')).toBeUndefined();
      expect(await store.getCheckpoint('nope')).toBeUndefined();
    });
  });
}
