/**
 * The loop's state: what a run has finished, kept in its `LoopRunRecord.state` and written after
 * every completed step (data prepared, a synthesis job done, a student trained, a round evaluated),
 * so a run cut off anywhere resumes from the last finished step (checkpoint.ts writes it).
 */
import type { StoredMetrics } from '../student/metrics.js';
import type { Mistake } from '../student/mistakes.js';
import type { Strategy } from '../dataset/example.js';
import type { Overlap } from '../dataset/overlap.js';
import type { LoopConfig, Round0Strategy } from './config.js';

/** A validation example the student got wrong: what S3 asks the teacher to extrapolate from. */
export type LoopError = Mistake;

/** A round's metrics (no calibration error): confusion[true][predicted] in `labels` order. */
export type MetricsSummary = StoredMetrics;

export interface TeacherUse {
  /** Teacher requests journaled (each with one or more attempts). */
  requests: number;
  /** Attempts sent, retries included (absent in checkpoints from before it was counted). */
  attempts?: number;
  /** Attempts that failed (429, 5xx, timeout, malformed…), whether retried or not. */
  failedRequests: number;
  failedByKind?: Record<string, number>;
  /** Requests that failed for good (every attempt failed). */
  unfinishedRequests?: number;
  tokens: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
}

export interface RoundRecord {
  round: number;
  /** Examples this round added to the project, by source (generated, annotated, extrapolated). */
  added: Record<string, number>;
  /** Examples this round added: new teacher-made ones plus the project's unlabeled texts it labeled. */
  addedTotal: number;
  /** Of those, the project's unlabeled texts it labeled. */
  labeled?: number;
  /** Filter rejections by reason, as the teacher's journal counted them (plus cross-round duplicates). */
  rejected: Record<string, number>;
  /**
   * Items asked of the teacher this round, and those that never came, by reason: requested =
   * addedTotal + Σ rejected + Σ missing (absent in checkpoints from before it was counted).
   */
  requested?: number;
  missing?: Record<string, number>;
  teacher: TeacherUse;
  /** The validation errors this round's synthesis extrapolated from (rounds ≥ 1). */
  drivenBy: LoopError[];
  /** Extrapolation plan: examples asked per error, and how many top errors get one more. */
  perError?: number;
  extra?: number;
  /** Fresh examples per round-0 strategy that fill the round beyond `maxPerError` per error. */
  fresh?: Partial<Record<Round0Strategy, number>>;
  trainSize?: number;
  modelId?: string;
  /**
   * The student on the selection half of validation (`LoopState.validation`), which chose its epoch
   * and decides which round is kept; in runs from before the halves, on all of validation.
   */
  val?: MetricsSummary;
  /**
   * The student's predicted class per selection text (in the selection half's order): what the
   * kept-round rule's paired margin needs (keep.ts). Absent in runs from before the rule.
   */
  selectionPredicted?: number[];
  /** On the extrapolation half: its errors drive the next round, so this score is no measure (absent before the halves). */
  extrapolation?: MetricsSummary;
  test?: MetricsSummary;
  /** The student's errors on the extrapolation half of validation: what the next round extrapolates from. */
  errors?: LoopError[];
}

export interface BaselineRecord {
  /** On the selection half of validation, as the rounds. */
  val: MetricsSummary;
  test?: MetricsSummary;
  trainSize: number;
  added?: number;
  teacher?: TeacherUse;
}

/** 'no-errors' only in runs stored before a round without errors became a round of fresh examples. */
export type StopReason = 'rounds' | 'budget' | 'patience' | 'no-errors';

/** One synthesis job of the run: its journal id (the teacher's request journal) and what it does. */
export interface LoopJob {
  id: string;
  round: number;
  /** Its name within the round ('generate', 'extrapolate', 'fresh-annotate'…). */
  name: string;
  strategy: Strategy;
}

export interface LoopState {
  version: 1;
  /** Fingerprint of the config and the input data: a resume must match it. */
  fingerprint: string;
  config: LoopConfig;
  labels: string[];
  /** Ids of completed steps, in the order they finished. */
  steps: string[];
  /** Synthesis jobs in the order they started (the one running last): what a front counts per job. */
  jobs?: LoopJob[];
  rounds: RoundRecord[];
  baselines: { seedsOnly?: BaselineRecord; generationOnly?: BaselineRecord };
  stop?: { reason: StopReason; afterRound: number };
  /**
   * The round whose student is kept: the latest whose selection macro-F1 is within one standard
   * error of the best round's (keep.ts); the best, the later on ties, where rounds lack predictions.
   */
  finalRound?: number;
  /** Training examples (seeds) left out because their text is a validation or test text (absent in older runs). */
  overlap?: Overlap;
  /**
   * Validation in two halves (dataset/split.ts validationHalves), by size: the errors of
   * `extrapolation` drive the rounds; `selection` chooses the epoch and the round and is never
   * shown to the teacher. Absent in runs without extrapolation rounds (nothing reaches the teacher,
   * so all of validation chooses) and in runs started before the halves: all of validation did both.
   */
  validation?: { extrapolation: number; selection: number };
}
