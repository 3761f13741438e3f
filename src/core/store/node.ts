import { mkdir, open, readFile, readdir, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { removeStaleTemps, writeError, writeFileAtomic } from './atomic-write-node.js';
import type { Example } from '../dataset/example.js';
import type {
  CheckpointRecord, EmbeddingEntry, ExampleFilter, ModelRecord, ProjectRecord, RequestRecord, RunRecord, Store,
} from './store.js';

/**
 * A Store in a run folder on disk, for the CLI. Layout (all UTF-8 JSON unless noted):
 *
 *   <root>/projects/<project>.json             the ProjectRecord
 *   <root>/examples/<project>.jsonl            one Example per line (rewritten whole, atomically)
 *   <root>/requests/<project>/<job>.jsonl      teacher request journal (appended; last line per key wins)
 *   <root>/runs/<run>.json                     RunRecord
 *   <root>/models/<model>.json + .bin          ModelRecord without weights + the raw weight bytes
 *   <root>/checkpoints/<job>.json + .bin       CheckpointRecord without its data + the data
 *   <root>/embeddings/<encoder>.jsonl          {"h": hash, "v": base64 float32} per line (appended)
 *
 * Whole-file writes go through writeFileAtomic (a temporary file, fsynced, renamed over the
 * target), so a crash leaves the old or the new file, never half of one. Appends are fsynced before the
 * promise resolves. Names are sanitised so an id can never escape the folder.
 * Meant for one process at a time per folder (a CLI run); writes within the process are serialised.
 */
export class NodeStore implements Store {
  private queue: Promise<unknown> = Promise.resolve();
  private embCache = new Map<string, Map<string, Float32Array>>();

  private constructor(readonly root: string) {}

  static async open(root: string): Promise<NodeStore> {
    for (const d of ['projects', 'examples', 'requests', 'runs', 'models', 'embeddings', 'checkpoints']) {
      await mkdir(join(root, d), { recursive: true }).catch((e) => writeError(e, join(root, d)));
      // A run killed mid-write leaves its temporary file; nothing reads it, so it goes now.
      await removeStaleTemps(join(root, d));
    }
    return new NodeStore(root);
  }

  /** Runs fn after every earlier write, so read-modify-write cycles never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async listProjects() {
    return (await readJsonDir<ProjectRecord>(join(this.root, 'projects'))).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
  async getProject(id: string) { return readJson<ProjectRecord>(join(this.root, 'projects', safe(id) + '.json')); }
  putProject(p: ProjectRecord) { return this.serial(() => writeFileAtomic(join(this.root, 'projects', safe(p.id) + '.json'), JSON.stringify(p, null, 1))); }
  deleteProject(id: string) {
    return this.serial(async () => {
      for (const r of await this.listRuns(id)) await rm(join(this.root, 'runs', safe(r.id) + '.json'), { force: true });
      // Names only: a project whose model file is damaged can still be deleted.
      const models = (await readJsonDir<Omit<ModelRecord, 'weights'>>(join(this.root, 'models'))).filter((m) => m.projectId === id);
      for (const m of models) {
        await rm(join(this.root, 'models', safe(m.id) + '.json'), { force: true });
        await rm(join(this.root, 'models', safe(m.id) + '.bin'), { force: true });
      }
      for (const c of (await readJsonDir<Omit<CheckpointRecord, 'data'>>(join(this.root, 'checkpoints'))).filter((x) => x.projectId === id)) {
        await this.removeCheckpoint(c.id);
      }
      await rm(join(this.root, 'requests', safe(id)), { recursive: true, force: true });
      await rm(join(this.root, 'examples', safe(id) + '.jsonl'), { force: true });
      await rm(join(this.root, 'projects', safe(id) + '.json'), { force: true });
    });
  }

  private examplesPath(projectId: string) { return join(this.root, 'examples', safe(projectId) + '.jsonl'); }
  private async readExamples(projectId: string): Promise<Map<string, Example>> {
    const m = new Map<string, Example>();
    for (const e of await readJsonl<Example>(this.examplesPath(projectId))) m.set(e.id, e);
    return m;
  }
  putExamples(projectId: string, examples: Example[]) {
    return this.serial(async () => {
      const m = await this.readExamples(projectId);
      for (const e of examples) m.set(e.id, e);
      await writeFileAtomic(this.examplesPath(projectId), toJsonl(m.values()));
    });
  }
  async listExamples(projectId: string, filter: ExampleFilter = {}) {
    await this.queue;
    return [...(await this.readExamples(projectId)).values()].filter((e) => (filter.split === undefined || e.split === filter.split)
      && (filter.source === undefined || e.provenance.source === filter.source)
      && (filter.round === undefined || e.provenance.round === filter.round));
  }
  deleteExamples(projectId: string, ids: string[]) {
    return this.serial(async () => {
      const m = await this.readExamples(projectId);
      for (const id of ids) m.delete(id);
      await writeFileAtomic(this.examplesPath(projectId), toJsonl(m.values()));
    });
  }

  private async embeddings(encoderId: string): Promise<Map<string, Float32Array>> {
    let m = this.embCache.get(encoderId);
    if (!m) {
      m = new Map();
      for (const r of await readJsonl<{ h: string; v: string }>(join(this.root, 'embeddings', safe(encoderId) + '.jsonl'))) {
        const b = Buffer.from(r.v, 'base64');
        m.set(r.h, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
      }
      this.embCache.set(encoderId, m);
    }
    return m;
  }
  async getEmbeddings(encoderId: string, hashes: string[]) {
    await this.queue;
    const m = await this.embeddings(encoderId);
    return hashes.map((h) => m.get(h));
  }
  putEmbeddings(encoderId: string, entries: EmbeddingEntry[]) {
    return this.serial(async () => {
      const m = await this.embeddings(encoderId);
      const lines = entries.map((e) => JSON.stringify({ h: e.hash, v: Buffer.from(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength).toString('base64') }));
      await appendDurable(join(this.root, 'embeddings', safe(encoderId) + '.jsonl'), lines.join('\n') + '\n');
      for (const e of entries) m.set(e.hash, new Float32Array(e.vector));
    });
  }

  putRequest(r: RequestRecord) {
    return this.serial(async () => {
      await mkdir(join(this.root, 'requests', safe(r.projectId)), { recursive: true });
      await appendDurable(join(this.root, 'requests', safe(r.projectId), safe(r.jobId) + '.jsonl'), JSON.stringify(r) + '\n');
    });
  }
  async listRequests(projectId: string, jobId: string) {
    await this.queue;
    const m = new Map<string, RequestRecord>();
    for (const r of await readJsonl<RequestRecord>(join(this.root, 'requests', safe(projectId), safe(jobId) + '.jsonl'))) m.set(r.key, r);
    return [...m.values()];
  }

  putRun(r: RunRecord) { return this.serial(() => writeFileAtomic(join(this.root, 'runs', safe(r.id) + '.json'), JSON.stringify(r, null, 1))); }
  async getRun(id: string) { return readJson<RunRecord>(join(this.root, 'runs', safe(id) + '.json')); }
  async listRuns(projectId: string) { return (await readJsonDir<RunRecord>(join(this.root, 'runs'))).filter((r) => r.projectId === projectId); }

  putModel(m: ModelRecord) {
    return this.serial(async () => {
      const { weights, ...rest } = m;
      const bin = new Uint8Array(weights);
      // Weights first: a model JSON on disk always has its weights beside it. The JSON records
      // their size and hash, so a .bin cut short or changed later is caught when it is read.
      await writeFileAtomic(join(this.root, 'models', safe(m.id) + '.bin'), bin);
      await writeFileAtomic(join(this.root, 'models', safe(m.id) + '.json'), JSON.stringify({ ...rest, [WEIGHTS_CHECK]: { bytes: bin.byteLength, sha256: sha256(bin) } }));
    });
  }
  async getModel(id: string) {
    const stored = await readJson<Omit<ModelRecord, 'weights'> & { [WEIGHTS_CHECK]?: { bytes: number; sha256: string } }>(join(this.root, 'models', safe(id) + '.json'));
    if (!stored) return undefined;
    const { [WEIGHTS_CHECK]: check, ...rest } = stored;
    const path = join(this.root, 'models', safe(id) + '.bin');
    const b = await readFile(path);
    if (check && (b.byteLength !== check.bytes || sha256(b) !== check.sha256)) {
      throw new UserError('store-corrupt', `${path} is ${b.byteLength === check.bytes ? 'not the file that was saved (its SHA-256 differs)' : `${b.byteLength} bytes, but ${check.bytes} were saved`}: the model's weights were cut short or changed.`,
        'Restore the run folder from a copy, or train again in a new folder.');
    }
    return { ...rest, weights: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) } as ModelRecord;
  }
  async listModels(projectId: string) {
    const metas = (await readJsonDir<Omit<ModelRecord, 'weights'>>(join(this.root, 'models'))).filter((m) => m.projectId === projectId);
    const out: ModelRecord[] = [];
    for (const m of metas) { const full = await this.getModel(m.id); if (full) out.push(full); }
    return out;
  }

  deleteModel(id: string) {
    return this.serial(async () => {
      // The JSON first: a model whose JSON is gone is gone, whatever happens to its weights.
      await rm(join(this.root, 'models', safe(id) + '.json'), { force: true });
      await rm(join(this.root, 'models', safe(id) + '.bin'), { force: true });
    });
  }

  putCheckpoint(c: CheckpointRecord) {
    return this.serial(async () => {
      const { data, ...rest } = c;
      const bin = new Uint8Array(data);
      // Data first, then the JSON that names its size and hash: a kill between the two leaves
      // a JSON whose check fails against the new data, which reads as no checkpoint (below).
      await writeFileAtomic(join(this.root, 'checkpoints', safe(c.id) + '.bin'), bin);
      await writeFileAtomic(join(this.root, 'checkpoints', safe(c.id) + '.json'), JSON.stringify({ ...rest, [WEIGHTS_CHECK]: { bytes: bin.byteLength, sha256: sha256(bin) } }));
    });
  }
  async getCheckpoint(id: string) {
    await this.queue;
    const stored = await readJson<Omit<CheckpointRecord, 'data'> & { [WEIGHTS_CHECK]?: { bytes: number; sha256: string } }>(join(this.root, 'checkpoints', safe(id) + '.json'));
    if (!stored) return undefined;
    const { [WEIGHTS_CHECK]: check, ...rest } = stored;
    const b = await readFile(join(this.root, 'checkpoints', safe(id) + '.bin')).catch(() => undefined);
    // A checkpoint that does not check out is only lost time: the job starts over rather than fail.
    if (!b || !check || b.byteLength !== check.bytes || sha256(b) !== check.sha256) return undefined;
    return { ...rest, data: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) } as CheckpointRecord;
  }
  deleteCheckpoint(id: string) { return this.serial(() => this.removeCheckpoint(id)); }
  private async removeCheckpoint(id: string) {
    await rm(join(this.root, 'checkpoints', safe(id) + '.json'), { force: true });
    await rm(join(this.root, 'checkpoints', safe(id) + '.bin'), { force: true });
  }

  async close() { await this.queue; }
}

/** Key of the weights' size and hash in a model's JSON file (not part of the ModelRecord). */
const WEIGHTS_CHECK = 'storedWeights';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** File-name-safe form of an id; distinct ids stay distinct (unsafe characters are %-escaped). */
export function safe(id: string): string {
  if (id === '' || id === '.' || id === '..') return `%${id.length}${id.replace(/\./g, '%2E')}`;
  return id.replace(/[^A-Za-z0-9._-]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

async function appendDurable(path: string, data: string): Promise<void> {
  try {
    const fh = await open(path, 'a');
    try {
      await fh.appendFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    writeError(e, path);
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function readJsonDir<T>(dir: string): Promise<T[]> {
  let names: string[];
  try { names = await readdir(dir); } catch { return []; }
  const out: T[] = [];
  for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
    const v = await readJson<T>(join(dir, n));
    if (v) out.push(v);
  }
  return out;
}

/** Reads JSONL; a torn last line (a crash mid-append) is skipped, any other bad line is an error. */
async function readJsonl<T>(path: string): Promise<T[]> {
  let text: string;
  try { text = await readFile(path, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const lines = text.split('\n');
  const out: T[] = [];
  lines.forEach((l, i) => {
    if (l === '') return;
    try { out.push(JSON.parse(l) as T); } catch (e) {
      if (i === lines.length - 1) return; // the unterminated tail of an interrupted append
      throw new UserError('store-corrupt', `${path} line ${i + 1} is not valid JSON.`, 'The run folder was edited or damaged; restore it or start a new run folder.');
    }
  });
  return out;
}

function toJsonl(items: Iterable<unknown>): string {
  let s = '';
  for (const x of items) s += JSON.stringify(x) + '\n';
  return s;
}
