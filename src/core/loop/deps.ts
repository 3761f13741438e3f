/**
 * What the loop needs from the teacher and the student, as interfaces. The loop orchestrates; it
 * never talks HTTP or tfjs itself. The CLI and the worker pass the real implementations
 * (`teacher/` and `student/`, wired in `wiring.ts`); unit tests pass small fakes.
 */
import type { Example } from '../dataset/example.js';
import type { SynthesisJob } from '../teacher/job.js';
import type { LoopError } from './state.js';
import type { LongOpOptions } from '../progress.js';
import type { ModelRecord, Store } from '../store/store.js';

export type { LoopError };

/**
 * A synthesis job as the loop asks for it: the teacher's job (teacher/job.ts says what each field
 * means) with the loop's own examples, so the teacher side can keep their provenance.
 */
export interface SynthJob extends Pick<SynthesisJob, 'projectId' | 'jobId' | 'strategy' | 'round' | 'n' | 'labels'> {
  /** Labeled seeds shown to the teacher as few-shot examples (never val or test). */
  seeds: Example[];
  /** Unlabeled pool for `annotate`. */
  unlabeled?: Example[];
  /** Misclassified validation examples for `extrapolate`. */
  errors?: LoopError[];
  /** Texts the teacher's output must not copy: validation and test (the leakage guard). */
  avoidTexts: string[];
}

/** Counts of one synthesis job. Accepted examples are in the store, not here. */
export interface SynthOutcome {
  accepted: number;
  rejected: Record<string, number>;
}

export interface TrainingExample {
  text: string;
  label: string;
  /** Loss weight: how much this example counts against others (seed weight vs synthetic). */
  weight: number;
}

export interface TrainInput {
  labels: string[];
  train: TrainingExample[];
  /** For the student's early stopping: the selection half of validation, which also chooses the round. */
  val: { text: string; label: string }[];
  /** Makes training deterministic, so a resumed run trains the same student. */
  seed: number;
  /** The project, and this training's key in the store (checkpoint.ts loopTrainingKey), for a student that checkpoints its epochs (the loop gives both). */
  projectId?: string;
  key?: string;
}

export interface TrainedStudent {
  /** One score row per text, columns in `labels` order. */
  predict(texts: string[], options?: LongOpOptions): Promise<number[][]>;
  /** The model as a store record (topology + weights + meta) so a resumed run can reload it. */
  toRecord(id: string, projectId: string, runId: string): Promise<ModelRecord>;
  dispose(): void;
}

export interface LoopDeps {
  synthesize(job: SynthJob, options: LongOpOptions & { store: Store }): Promise<SynthOutcome>;
  train(input: TrainInput, options: LongOpOptions & { store: Store }): Promise<TrainedStudent>;
  load(record: ModelRecord): Promise<TrainedStudent>;
  /**
   * Which rounds' students the store keeps: `every-round` (default: small models, and Export
   * offers each round's), or `best` — only the best round so far on the selection half, which is
   * the round the run keeps at the end (a fine-tuned transformer is ~90 MB a round).
   */
  keepModels?: 'every-round' | 'best';
}
