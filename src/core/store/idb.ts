import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { UserError } from '../errors.js';
import type { Example } from '../dataset/example.js';
import type {
  CheckpointRecord, EmbeddingEntry, ExampleFilter, ModelRecord, ProjectRecord, RequestRecord, RunRecord, Store,
} from './store.js';

/**
 * The browser's Store, in IndexedDB through `idb`. Every write is one transaction and the
 * promise resolves on its `complete` event, so "saved" means durable, and a failed write (a full
 * quota) aborts as a whole: nothing half-written, nothing stored before it touched.
 */

interface ExampleRow { projectId: string; id: string; example: Example }
interface EmbeddingRow { encoderId: string; hash: string; vector: Float32Array }

interface Schema extends DBSchema {
  projects: { key: string; value: ProjectRecord };
  examples: { key: [string, string]; value: ExampleRow; indexes: { projectId: string } };
  embeddings: { key: [string, string]; value: EmbeddingRow };
  requests: { key: [string, string, string]; value: RequestRecord; indexes: { projectId: string; job: [string, string] } };
  runs: { key: string; value: RunRecord; indexes: { projectId: string } };
  models: { key: string; value: ModelRecord; indexes: { projectId: string } };
  checkpoints: { key: string; value: CheckpointRecord; indexes: { projectId: string } };
}

export const DB_NAME = 'distillery';
export const DB_VERSION = 2;

/**
 * Schema versions in order; `upgrade` runs every step above the stored version, so a browser
 * with an old database is brought forward without losing data. Add a step, bump DB_VERSION.
 */
const MIGRATIONS: ((db: IDBPDatabase<Schema>) => void)[] = [
  // v1
  (db) => {
    db.createObjectStore('projects', { keyPath: 'id' });
    const ex = db.createObjectStore('examples', { keyPath: ['projectId', 'id'] });
    ex.createIndex('projectId', 'projectId');
    db.createObjectStore('embeddings', { keyPath: ['encoderId', 'hash'] });
    const rq = db.createObjectStore('requests', { keyPath: ['projectId', 'jobId', 'key'] });
    rq.createIndex('projectId', 'projectId');
    rq.createIndex('job', ['projectId', 'jobId']);
    const runs = db.createObjectStore('runs', { keyPath: 'id' });
    runs.createIndex('projectId', 'projectId');
    const models = db.createObjectStore('models', { keyPath: 'id' });
    models.createIndex('projectId', 'projectId');
  },
  // v2: training checkpoints (a fine-tuning run resumes after a reload)
  (db) => {
    const checkpoints = db.createObjectStore('checkpoints', { keyPath: 'id' });
    checkpoints.createIndex('projectId', 'projectId');
  },
];

/** Turns a storage failure into the message a person can act on; other errors pass through. */
export function storageError(e: unknown): unknown {
  const name = (e as { name?: string } | null)?.name;
  const inner = (e as { inner?: { name?: string }; error?: { name?: string } } | null);
  if (name === 'QuotaExceededError' || inner?.error?.name === 'QuotaExceededError' || inner?.inner?.name === 'QuotaExceededError') {
    return new UserError('storage-full', 'The browser\'s storage for this page is full, so this was not saved. Everything saved before is unchanged.',
      'Delete projects you no longer need (Projects list), or free disk space, then save again.');
  }
  if (name === 'InvalidStateError' || name === 'UnknownError') {
    return new UserError('storage-unavailable', `The browser refused to use its storage (${name}).`,
      'Private windows and some privacy settings block it; open the page in a normal window, or allow site data.');
  }
  return e;
}

/**
 * Runs the requests of one transaction; if any of them throws (even synchronously, e.g. a value
 * that cannot be cloned) the whole transaction is aborted, so a failed save stores nothing.
 * `issue` passes every request it makes to `track`, so requests made before a failure (which
 * then reject with AbortError) are never left as unhandled rejections.
 */
async function all(tx: { done: Promise<void>; abort(): void }, issue: (track: (p: Promise<unknown>) => void) => void | Promise<void>): Promise<void> {
  const pending: Promise<unknown>[] = [];
  const track = (p: Promise<unknown>) => { p.catch(() => undefined); pending.push(p); };
  tx.done.catch(() => undefined);
  try {
    await issue(track);
    await Promise.all([...pending, tx.done]);
  } catch (e) {
    try { tx.abort(); } catch { /* already finished or aborted */ }
    await tx.done.catch(() => undefined);
    throw e;
  }
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw storageError(e);
  }
}

/** Asks the browser not to evict this site's data under storage pressure. Resolves to the answer. */
export async function requestPersistence(): Promise<boolean> {
  const s = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (!s?.persist) return false;
  try {
    return (await s.persisted()) || (await s.persist());
  } catch {
    return false;
  }
}

export class IdbStore implements Store {
  private constructor(private db: IDBPDatabase<Schema>) {}

  static async open(name = DB_NAME): Promise<IdbStore> {
    const db = await guard(() => openDB<Schema>(name, DB_VERSION, {
      upgrade(db, oldVersion) {
        for (let v = oldVersion; v < MIGRATIONS.length; v++) MIGRATIONS[v](db);
      },
      blocking() {
        // A newer tab wants to upgrade: let it; this page picks the new schema up on its next load.
        db.close();
      },
    }));
    return new IdbStore(db);
  }

  listProjects() { return guard(async () => (await this.db.getAll('projects')).sort((a, b) => a.createdAt.localeCompare(b.createdAt))); }
  getProject(id: string) { return guard(() => this.db.get('projects', id)); }
  putProject(p: ProjectRecord) { return guard(async () => { await this.db.put('projects', p); }); }
  deleteProject(id: string) {
    return guard(async () => {
      const tx = this.db.transaction(['projects', 'examples', 'requests', 'runs', 'models', 'checkpoints'], 'readwrite');
      const stores = ['examples', 'requests', 'runs', 'models', 'checkpoints'] as const;
      let keys: IDBValidKey[][];
      await all(tx, async (track) => {
        track(tx.objectStore('projects').delete(id));
        keys = await Promise.all(stores.map((s) => tx.objectStore(s).index('projectId').getAllKeys(id)));
        stores.forEach((s, i) => keys[i].forEach((k) => track(tx.objectStore(s).delete(k as never))));
      });
    });
  }

  putExamples(projectId: string, examples: Example[]) {
    return guard(async () => {
      const tx = this.db.transaction('examples', 'readwrite');
      await all(tx, (track) => examples.forEach((example) => track(tx.store.put({ projectId, id: example.id, example }))));
    });
  }
  /** Adds a project with its examples in one transaction: either both are stored or neither. */
  putProjectWithExamples(project: ProjectRecord, examples: Example[]) {
    return guard(async () => {
      const tx = this.db.transaction(['projects', 'examples'], 'readwrite');
      const ex = tx.objectStore('examples');
      await all(tx, (track) => {
        track(tx.objectStore('projects').put(project));
        for (const example of examples) track(ex.put({ projectId: project.id, id: example.id, example }));
      });
    });
  }
  listExamples(projectId: string, filter: ExampleFilter = {}) {
    return guard(async () => (await this.db.getAllFromIndex('examples', 'projectId', projectId)).map((r) => r.example)
      .filter((e) => (filter.split === undefined || e.split === filter.split)
        && (filter.source === undefined || e.provenance.source === filter.source)
        && (filter.round === undefined || e.provenance.round === filter.round)));
  }
  deleteExamples(projectId: string, ids: string[]) {
    return guard(async () => {
      const tx = this.db.transaction('examples', 'readwrite');
      await all(tx, (track) => ids.forEach((id) => track(tx.store.delete([projectId, id]))));
    });
  }

  getEmbeddings(encoderId: string, hashes: string[]) {
    return guard(async () => {
      const tx = this.db.transaction('embeddings', 'readonly');
      const rows = await Promise.all(hashes.map((h) => tx.store.get([encoderId, h])));
      await tx.done;
      return rows.map((r) => r?.vector);
    });
  }
  putEmbeddings(encoderId: string, entries: EmbeddingEntry[]) {
    return guard(async () => {
      const tx = this.db.transaction('embeddings', 'readwrite');
      await all(tx, (track) => entries.forEach((e) => track(tx.store.put({ encoderId, hash: e.hash, vector: e.vector }))));
    });
  }

  putRequest(r: RequestRecord) { return guard(async () => { await this.db.put('requests', r); }); }
  listRequests(projectId: string, jobId: string) { return guard(() => this.db.getAllFromIndex('requests', 'job', [projectId, jobId])); }

  putRun(r: RunRecord) { return guard(async () => { await this.db.put('runs', r); }); }
  getRun(id: string) { return guard(() => this.db.get('runs', id)); }
  listRuns(projectId: string) { return guard(() => this.db.getAllFromIndex('runs', 'projectId', projectId)); }

  putModel(m: ModelRecord) { return guard(async () => { await this.db.put('models', m); }); }
  getModel(id: string) { return guard(() => this.db.get('models', id)); }
  listModels(projectId: string) { return guard(() => this.db.getAllFromIndex('models', 'projectId', projectId)); }
  deleteModel(id: string) { return guard(async () => { await this.db.delete('models', id); }); }

  putCheckpoint(c: CheckpointRecord) { return guard(async () => { await this.db.put('checkpoints', c); }); }
  getCheckpoint(id: string) { return guard(() => this.db.get('checkpoints', id)); }
  deleteCheckpoint(id: string) { return guard(async () => { await this.db.delete('checkpoints', id); }); }

  async close() { this.db.close(); }
}
