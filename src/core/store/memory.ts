import type { Example } from '../dataset/example.js';
import type {
  CheckpointRecord, EmbeddingEntry, ExampleFilter, ModelRecord, ProjectRecord, RequestRecord, RunRecord, Store,
} from './store.js';

/** A Store in memory: for tests, and for one-shot CLI work that persists nothing. */
export class MemoryStore implements Store {
  private projects = new Map<string, ProjectRecord>();
  private examples = new Map<string, Map<string, Example>>();
  private embeddings = new Map<string, Float32Array>();
  private requests = new Map<string, RequestRecord>();
  private runs = new Map<string, RunRecord>();
  private models = new Map<string, ModelRecord>();
  private checkpoints = new Map<string, CheckpointRecord>();

  async listProjects() { return [...this.projects.values()].map((p) => structuredClone(p)); }
  async getProject(id: string) { const p = this.projects.get(id); return p && structuredClone(p); }
  async putProject(p: ProjectRecord) { this.projects.set(p.id, structuredClone(p)); }
  async deleteProject(id: string) {
    this.projects.delete(id);
    this.examples.delete(id);
    for (const [k, r] of this.requests) if (r.projectId === id) this.requests.delete(k);
    for (const [k, r] of this.runs) if (r.projectId === id) this.runs.delete(k);
    for (const [k, m] of this.models) if (m.projectId === id) this.models.delete(k);
    for (const [k, c] of this.checkpoints) if (c.projectId === id) this.checkpoints.delete(k);
  }

  async putExamples(projectId: string, examples: Example[]) {
    let m = this.examples.get(projectId);
    if (!m) this.examples.set(projectId, (m = new Map()));
    for (const e of examples) m.set(e.id, structuredClone(e));
  }
  async listExamples(projectId: string, filter: ExampleFilter = {}) {
    const all = [...(this.examples.get(projectId)?.values() ?? [])];
    return all
      .filter((e) => (filter.split === undefined || e.split === filter.split)
        && (filter.source === undefined || e.provenance.source === filter.source)
        && (filter.round === undefined || e.provenance.round === filter.round))
      .map((e) => structuredClone(e));
  }
  async deleteExamples(projectId: string, ids: string[]) {
    const m = this.examples.get(projectId);
    for (const id of ids) m?.delete(id);
  }

  async getEmbeddings(encoderId: string, hashes: string[]) {
    return hashes.map((h) => this.embeddings.get(`${encoderId}\u0000${h}`));
  }
  async putEmbeddings(encoderId: string, entries: EmbeddingEntry[]) {
    for (const e of entries) this.embeddings.set(`${encoderId}\u0000${e.hash}`, e.vector);
  }

  async putRequest(r: RequestRecord) { this.requests.set(`${r.projectId}\u0000${r.jobId}\u0000${r.key}`, structuredClone(r)); }
  async listRequests(projectId: string, jobId: string) {
    return [...this.requests.values()].filter((r) => r.projectId === projectId && r.jobId === jobId);
  }

  async putRun(r: RunRecord) { this.runs.set(r.id, structuredClone(r)); }
  async getRun(id: string) { const r = this.runs.get(id); return r && structuredClone(r); }
  async listRuns(projectId: string) { return [...this.runs.values()].filter((r) => r.projectId === projectId); }

  async putModel(m: ModelRecord) { this.models.set(m.id, m); }
  async getModel(id: string) { return this.models.get(id); }
  async listModels(projectId: string) { return [...this.models.values()].filter((m) => m.projectId === projectId); }
  async deleteModel(id: string) { this.models.delete(id); }

  async putCheckpoint(c: CheckpointRecord) { this.checkpoints.set(c.id, structuredClone(c)); }
  async getCheckpoint(id: string) { return this.checkpoints.get(id); }
  async deleteCheckpoint(id: string) { this.checkpoints.delete(id); }

  async close() {}
}
