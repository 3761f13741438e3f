/**
 * Every long operation in the core takes these options: an AbortSignal to stop it and a callback
 * for progress, so the worker, the UI and the CLI can all show the same bars. A progress event is
 * one of a few kinds, told apart by `phase`, each with its own details.
 */
import type { StepReport } from './student/train.js';
import type { FailureKind } from './teacher/client.js';

/** One training epoch, as the student reports it (student/train.ts `EpochReport`). */
export interface EpochDetail {
  epoch: number;
  loss: number;
  valAccuracy: number;
  valMacroF1: number;
  examplesPerSecond: number;
  seconds: number;
}

/** One training step, as the student reports it. */
export type StepDetail = StepReport;

/** A synthesis job's counts so far (`done` is its accepted examples, earlier sessions included). */
export interface SynthesisDetail {
  rejected: Record<string, number>;
  /** Failed attempts of this session, by kind (a request retried after a 429 counts one rate_limited). */
  failedRequests: Partial<Record<FailureKind, number>>;
  requests: number;
  tokens: number;
  promptTokens: number;
  completionTokens: number;
  skippedRequests: number;
  /** The job it belongs to, where several jobs report to one listener (a loop run). */
  jobId?: string;
  /**
   * The whole job's items so far, earlier sessions included, counted from its request journal as
   * the store holds it (teacher/accounting.ts countJournal): requested = accepted + Σ rejected + Σ missing.
   */
  items?: JobItems;
}

/** A job's items: asked of the teacher, and what became of each (accepted, rejected or missing, by reason). */
export interface JobItems {
  requested: number;
  accepted: number;
  rejected: Record<string, number>;
  missing: Record<string, number>;
}

interface Counted { done: number; total: number }

export type Progress = Counted & (
  /** Reading a data file. */
  | { phase: 'decode' | 'read' | 'validate' }
  /** Writing a bundle. */
  | { phase: 'bundle' }
  /** Texts embedded by an encoder (cached ones count at once); `backend`: the tfjs backend it runs on. */
  | { phase: 'embed'; detail: { encoder: string; cached?: number; backend?: string } }
  /** Bytes of one model file arriving (a download, a picked file, a file on disk). */
  | { phase: 'download'; detail: { file: string } }
  /** Bytes of a model's files, file by file, while it loads. */
  | { phase: 'load-model'; detail: { file?: string } }
  | { phase: 'train'; detail: EpochDetail }
  /** One optimizer step of a long training (the fine-tuned transformer): `done` steps of at most `total`. */
  | { phase: 'train-step'; detail: StepDetail }
  | { phase: 'synthesize'; detail: SynthesisDetail }
  /** A run's step finished and was checkpointed; `done` counts finished steps. */
  | { phase: 'loop'; detail: { step: string; round?: number } }
);

export type ProgressPhase = Progress['phase'];

export type OnProgress = (p: Progress) => void;

export interface LongOpOptions {
  signal?: AbortSignal;
  onProgress?: OnProgress;
}
