import type { Example, Source, Split } from '../dataset/example.js';
import type { LoopState } from '../loop/state.js';
import type { ProjectSettings } from '../projects/settings.js';
import type { LegacyModelMeta, ModelMeta } from '../student/model-meta.js';

/**
 * The single source of truth. Each step reads what it needs from the store and writes what it
 * made before it reports done, so any step can resume after a reload or a crash.
 * Implementations: IndexedDB (browser, `idb.ts`), a run folder on disk (Node CLI, `node.ts`) and
 * memory (tests, `memory.ts`). Every method resolves only after the write is durable.
 */

export interface ProjectRecord {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  /** The label set, in display order. */
  labels: string[];
  /** What the steps remember: data sources, the synthesis run, the last training result. */
  settings: ProjectSettings;
}

export interface ExampleFilter {
  split?: Split;
  source?: Source;
  round?: number;
}

/** One teacher request, journaled so a resumed job never repeats a finished one. */
export interface RequestRecord {
  projectId: string;
  /** Which job (synthesis run, loop run) the request belongs to. */
  jobId: string;
  /** Deterministic key of the request within the job (e.g. `generate:r0:17`). */
  key: string;
  status: 'done' | 'failed';
  requestId?: string;
  acceptedIds: string[];
  rejected: Record<string, number>;
  promptTokens: number;
  completionTokens: number;
  /** Attempts sent for this request, retries included (for request budgets across resumes). */
  attempts?: number;
  /** Failed attempts by kind (429, 5xx, timeout…), retried or not. */
  failures?: Record<string, number>;
  /**
   * Items this request asked for (examples, or texts to label). Every one of them is accepted,
   * rejected (`rejected`, by reason) or missing (`missing`, by reason): asked = accepted + rejected + missing.
   */
  asked?: number;
  /** Asked-for items that did not come back: 'not returned', 'cut off', 'request failed'. */
  missing?: Record<string, number>;
  /** Items the teacher sent beyond what was asked (not used, not counted in `asked`). */
  extra?: number;
  /** Annotation: the outcome of each text by its hash: 'accepted', a reject reason or a missing reason. */
  outcomes?: Record<string, string>;
  error?: string;
  finishedAt: string;
}

export type RunStatus = 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

interface RunBase {
  id: string;
  projectId: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
}

/** A distillation run (core/loop): its config and checkpoint. */
export interface LoopRunRecord extends RunBase {
  kind: 'loop';
  state: LoopState;
}

/** Rationale-first synthesis, step one: the attributes the teacher listed for one label. */
export interface AttributesRunRecord extends RunBase {
  kind: 'teacher-attributes';
  state: { jobId: string; label: string; attributes: string[]; model: string };
}

/** What the store keeps of a long job, by kind; the module that runs it owns its state. */
export type RunRecord = LoopRunRecord | AttributesRunRecord;

export interface ModelRecord {
  id: string;
  projectId: string;
  runId?: string;
  createdAt: string;
  /**
   * The student's spec, metrics, mistakes, how it trained. Records older versions wrote have other
   * shapes: read it through student/record.ts `modelMeta`.
   */
  meta: ModelMeta | LegacyModelMeta;
  /** tfjs `ModelArtifacts` parts: the topology JSON and the weight buffer. */
  modelJson: Record<string, unknown>;
  weights: ArrayBuffer;
}

/**
 * A long job's state to resume from: a fine-tuning run's weights and optimiser after its last
 * finished epoch (student/checkpoint.ts). One per job, replaced whole after each epoch and deleted
 * when the job ends; a reload or a killed process picks it up instead of starting over.
 */
export interface CheckpointRecord {
  /** Names the job (e.g. a project's training, a loop round's). */
  id: string;
  projectId: string;
  createdAt: string;
  /** What the job needs besides the bytes (plain JSON). */
  meta: Record<string, unknown>;
  data: ArrayBuffer;
}

export interface EmbeddingEntry {
  /** Hash of the text (see `textHash`). */
  hash: string;
  vector: Float32Array;
}

export interface Store {
  listProjects(): Promise<ProjectRecord[]>;
  getProject(id: string): Promise<ProjectRecord | undefined>;
  putProject(project: ProjectRecord): Promise<void>;
  /** Adds a project with its examples in one transaction, where the store has transactions. */
  putProjectWithExamples?(project: ProjectRecord, examples: Example[]): Promise<void>;
  /** Deletes the project and everything that belongs to it. */
  deleteProject(id: string): Promise<void>;

  /** Inserts or replaces by id. */
  putExamples(projectId: string, examples: Example[]): Promise<void>;
  listExamples(projectId: string, filter?: ExampleFilter): Promise<Example[]>;
  deleteExamples(projectId: string, ids: string[]): Promise<void>;

  /** Cache keyed by (encoder id, text hash); missing entries come back undefined. */
  getEmbeddings(encoderId: string, hashes: string[]): Promise<(Float32Array | undefined)[]>;
  putEmbeddings(encoderId: string, entries: EmbeddingEntry[]): Promise<void>;

  putRequest(record: RequestRecord): Promise<void>;
  listRequests(projectId: string, jobId: string): Promise<RequestRecord[]>;

  putRun(run: RunRecord): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  listRuns(projectId: string): Promise<RunRecord[]>;

  putModel(model: ModelRecord): Promise<void>;
  getModel(id: string): Promise<ModelRecord | undefined>;
  listModels(projectId: string): Promise<ModelRecord[]>;
  /** Deletes one model (none there: nothing happens). */
  deleteModel(id: string): Promise<void>;

  /** Replaces the checkpoint of job `id` (durable when it resolves: the old one stays until the new one is whole). */
  putCheckpoint(checkpoint: CheckpointRecord): Promise<void>;
  getCheckpoint(id: string): Promise<CheckpointRecord | undefined>;
  deleteCheckpoint(id: string): Promise<void>;

  close(): Promise<void>;
}
