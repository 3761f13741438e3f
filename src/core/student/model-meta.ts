/**
 * What a model record says about its model (`ModelRecord.meta`), typed by the student's spec.
 * Written only by record.ts `toModelRecord`; read through record.ts `modelMeta`, which also reads
 * the shapes older versions wrote (`LegacyModelMeta`).
 */
import type { InferenceSpec } from '../bundle/format.js';
import type { Overlap } from '../dataset/overlap.js';
import type { ValSource } from '../dataset/split.js';
import type { BackendName } from './backend.js';
import type { FitStopReason } from './early-stopping.js';
import type { StoredMetrics } from './metrics.js';
import type { ScoredMistake } from './mistakes.js';
import type { StudentSpec } from './spec.js';
import type { EpochReport } from './train.js';

/** How a stored model was trained (the Train step shows it after a reload). */
export interface TrainingRecord {
  backend: BackendName;
  bestEpoch: number;
  history: EpochReport[];
  stopReason?: FitStopReason;
  /** Where its validation set came from (dataset/split.ts projectSplits). */
  valFrom?: ValSource;
  /** Training examples left out because their text was a validation or test text (dataset/overlap.ts). */
  overlap?: Overlap;
  /** Validation examples left out because their errors drove a synthesis run's extrapolation. */
  droveLeftOut?: number;
}

/** A model that came in a bundle: its input exactly as the bundle described it, re-exported as it came. */
export interface ImportedModel {
  fileName: string;
  inference: InferenceSpec;
  vocab?: string[];
  student: { kind: string; hyperparameters: Record<string, unknown>; spec?: unknown } | null;
}

export interface ModelMeta {
  /** The student: kind, labels (the model's output order), input, hyperparameters. */
  spec: StudentSpec;
  /** Its scores as recorded when it was made: validation (chosen on) and test (only reported). */
  metrics?: { val?: StoredMetrics; test?: StoredMetrics };
  /** Its validation mistakes, worst first (capped). */
  mistakes?: ScoredMistake[];
  training?: TrainingRecord;
  imported?: ImportedModel;
}

/** Meta as versions before the typed spec wrote it: read through `modelMeta`, never directly. */
export interface LegacyModelMeta {
  legacy?: never;
  [key: string]: unknown;
}
