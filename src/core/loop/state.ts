/**
 * The loop's checkpoint: what a run has finished, kept in `RunRecord.state` and written after
 * every completed step (data prepared, a synthesis job done, a student trained, a round evaluated),
 * so a run cut off anywhere resumes from the last finished step.
 */
import type { Store, RunRecord } from '../store/store.js';
import type { LoopError } from './deps.js';
import type { LoopConfig, Round0Strategy } from './config.js';

export interface MetricsSummary {
  /**
   * The classes in the order of `confusion` and `perClass`. Records written before it was kept
   * lack it; `metricsLabels` reads their order from `perClass`.
   */
  labels?: string[];
  accuracy: number;
  macroF1: number;
  /** confusion[true][predicted], rows and columns in the run's label order. */
  confusion: number[][];
  perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
  n: number;
}

/** The label order a metrics record was computed in. */
export function metricsLabels(m: Pick<MetricsSummary, 'labels' | 'perClass'>): string[] {
  return m.labels ?? m.perClass.map((c) => c.label);
}

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
  /** Examples this round added, by source (generated, annotated, extrapolated). */
  added: Record<string, number>;
  addedTotal: number;
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
  val?: MetricsSummary;
  test?: MetricsSummary;
  /** Validation errors of this round's student: what the next round extrapolates from. */
  errors?: LoopError[];
}

export interface BaselineRecord {
  val: MetricsSummary;
  test?: MetricsSummary;
  trainSize: number;
  added?: number;
  teacher?: TeacherUse;
}

export type StopReason = 'rounds' | 'budget' | 'patience' | 'no-errors';

export interface LoopState {
  version: 1;
  /** Fingerprint of the config and the input data: a resume must match it. */
  fingerprint: string;
  config: LoopConfig;
  labels: string[];
  /** Ids of completed steps, in the order they finished. */
  steps: string[];
  rounds: RoundRecord[];
  baselines: { seedsOnly?: BaselineRecord; generationOnly?: BaselineRecord };
  stop?: { reason: StopReason; afterRound: number };
  /** The round whose student is kept: best validation macro-F1, the later round on ties. */
  finalRound?: number;
}

export class Checkpoint {
  constructor(private store: Store, private record: RunRecord) {}

  get state(): LoopState {
    return this.record.state as unknown as LoopState;
  }

  done(step: string): boolean {
    return this.state.steps.includes(step);
  }

  /** Marks a step finished and makes it durable before returning. */
  async complete(step: string, mutate?: (s: LoopState) => void, status: RunRecord['status'] = 'running'): Promise<void> {
    mutate?.(this.state);
    if (!this.state.steps.includes(step)) this.state.steps.push(step);
    await this.save(status);
  }

  async save(status: RunRecord['status'] = this.record.status): Promise<void> {
    this.record.status = status;
    this.record.updatedAt = new Date().toISOString();
    await this.store.putRun(this.record);
  }
}
