import { describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { IdbStore, storageError, DB_VERSION } from '../../src/core/store/idb.js';
import { storeContract, example, project } from './store-contract.js';

let n = 0;
storeContract('idb', async () => {
  const name = `contract-${++n}`;
  return { store: await IdbStore.open(name), reopen: () => IdbStore.open(name) };
});

describe('IdbStore', () => {
  it('creates the versioned schema with projectId indexes', async () => {
    const s = await IdbStore.open('schema');
    await s.close();
    const db = await openDB('schema');
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['checkpoints', 'embeddings', 'examples', 'models', 'projects', 'requests', 'runs']);
    expect([...db.transaction('examples').store.indexNames]).toContain('projectId');
    expect([...db.transaction('checkpoints').store.indexNames]).toContain('projectId');
    db.close();
  });

  it('brings a version-1 database forward without losing what it holds', async () => {
    const v1 = await openDB('old-schema', 1, {
      upgrade(db) {
        db.createObjectStore('projects', { keyPath: 'id' });
        db.createObjectStore('examples', { keyPath: ['projectId', 'id'] }).createIndex('projectId', 'projectId');
        db.createObjectStore('embeddings', { keyPath: ['encoderId', 'hash'] });
        const rq = db.createObjectStore('requests', { keyPath: ['projectId', 'jobId', 'key'] });
        rq.createIndex('projectId', 'projectId');
        rq.createIndex('job', ['projectId', 'jobId']);
        db.createObjectStore('runs', { keyPath: 'id' }).createIndex('projectId', 'projectId');
        db.createObjectStore('models', { keyPath: 'id' }).createIndex('projectId', 'projectId');
      },
    });
    await v1.put('projects', project('kept'));
    v1.close();
    const s = await IdbStore.open('old-schema');
    expect((await s.getProject('kept'))?.id).toBe('kept');
    await s.putCheckpoint({ id: 'kept:train', projectId: 'kept', createdAt: 't', meta: { epoch: 1 }, data: new Uint8Array([1, 2]).buffer });
    expect((await s.getCheckpoint('kept:train'))?.meta).toEqual({ epoch: 1 });
    await s.close();
  });

  it('saves a project with its examples atomically: a failing write stores neither and keeps what was there', async () => {
    const s = await IdbStore.open('atomic');
    await s.putProjectWithExamples(project('old'), [example('1', 'pos')]);
    // A value IndexedDB cannot clone makes the transaction fail midway, as a full quota does.
    const bad = { ...example('2', 'neg'), text: (() => 1) as unknown as string };
    await expect(s.putProjectWithExamples(project('new'), [example('1', 'pos'), bad])).rejects.toThrow();
    expect((await s.listProjects()).map((p) => p.id)).toEqual(['old']);
    expect(await s.listExamples('new')).toEqual([]);
    expect((await s.listExamples('old')).map((e) => e.id)).toEqual(['1']);
  });

  it('turns a quota error into a UserError that says storage is full and nothing stored was lost', () => {
    const quota = Object.assign(new Error('quota'), { name: 'QuotaExceededError' });
    const e = storageError(quota) as { name: string; code: string; userMessage: string };
    expect(e.name).toBe('UserError');
    expect(e.code).toBe('storage-full');
    expect(e.userMessage).toMatch(/full.*unchanged.*Delete projects/s);
    const bug = new TypeError('bug');
    expect(storageError(bug)).toBe(bug);
  });
});
