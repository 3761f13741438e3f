/**
 * What a project remembers besides its examples (`ProjectRecord.settings`), typed: where its data
 * came from, its synthesis run, its last training result. Never a key or a teacher URL.
 */
import type { Round0Strategy } from '../loop/config.js';
import type { Overlap } from '../dataset/overlap.js';
import type { ValSource } from '../dataset/split.js';
import type { BackendChoice, BackendName, BackendRequest } from '../student/backend.js';
import type { FitStopReason } from '../student/early-stopping.js';
import type { Metrics } from '../student/metrics.js';
import type { EpochReport } from '../student/train.js';

/** A file the project's examples came from, as the Data step parsed it. */
export interface DataSource {
  fileName: string;
  format: string;
  textColumn: string;
  labelColumn: string | null;
  accepted: number;
  rejected: number;
  /** Unlabeled files: accepted texts left out because they are labeled examples too. */
  alsoLabeled?: number;
}

/** What the Synthesize step asks for. */
export interface SynthSettings {
  /**
   * Share of round 0 per strategy, in whole percent summing to 100 over the usable strategies
   * (0 = not used); the loop reads them as relative weights.
   */
  mix: Record<Round0Strategy, number>;
  /** Teacher-made examples the run may add, all rounds together. */
  budget: number;
  /** S3 error-extrapolation rounds after round 0. */
  rounds: number;
  /** Dollars per million prompt / completion tokens (0 = not priced). */
  price: { input: number; output: number };
  /**
   * The student every round of the run trains to find its validation errors, in the Train step's
   * words: `word` Fast (word vectors), `transformer` Accurate (the pretrained transformer,
   * fine-tuned whole). Absent in projects saved before the choice: Fast (synthStudent).
   */
  student?: SynthStudent;
  /** Where the Accurate student trains: a tfjs backend, or 'auto' (the first that starts). Unused by Fast. */
  backend?: BackendRequest;
}

export type SynthStudent = 'word' | 'transformer';

/** The student a run's settings choose; settings saved before the choice read as Fast. */
export function synthStudent(s: Pick<SynthSettings, 'student'>): SynthStudent {
  return s.student === 'transformer' ? 'transformer' : 'word';
}

/** The project's synthesis run (its state is the run record `runId`). */
export interface SavedSynth {
  runId: string;
  settings: SynthSettings;
  /** The user paused or cancelled it: do not resume on reload. */
  stopped?: 'paused' | 'cancelled';
  /** Failed teacher attempts by kind so far (the request journal keeps only final failures). */
  failures?: Record<string, number>;
}

export interface TrainSummary {
  modelId: string;
  /** The backend that actually ran the training. */
  backend: BackendName;
  /** ms per training step of the micro-benchmark per backend ('auto' only); null where it failed. */
  timings: Partial<Record<BackendName, number | null>>;
  history: EpochReport[];
  bestEpoch: number;
  stopReason?: FitStopReason;
  val: Metrics;
  test?: Metrics;
  labels: string[];
  examples: { train: number; val: number; test: number };
  /** Where validation came from: the project's own set, or held out by the one rule. */
  valFrom: ValSource;
  /** Training examples left out because their text is a validation or test text (absent before it was counted). */
  overlap?: Overlap;
  /** Validation examples left out because their errors drove a synthesis run's extrapolation. */
  droveLeftOut?: number;
  seconds: number;
  /** tfjs memory after the run (the trained student's weights are alive). */
  memory?: { numTensors: number; numBytes: number; jsHeapBytes?: number };
  /** Largest tfjs byte count seen at an epoch's end. */
  peakTensorBytes?: number;
  /** Tensors alive after the run beyond those before it and the kept student's weights (0 = no leak). */
  leakedTensors?: number;
  /** How a fine-tuned transformer learned: its depth, the top layers that trained (absent: all), the SetFit stage's pairs per text (0: none). */
  finetune?: { layers: number; trainLayers?: number; contrastivePairs: number };
}

/**
 * A long training run in progress (the fine-tuned transformer): what a reloaded page needs to
 * start the same training again, which then continues from its last epoch's checkpoint. Removed
 * when the run ends, is cancelled or fails.
 */
export interface RunningTrain {
  student: 'transformer';
  epochs: number;
  /** What the user asked for ('auto' or a name). */
  backend: BackendRequest;
  /** The backend it trains on once chosen (with the estimate's timings): a reload resumes there, untimed. */
  chosen?: BackendChoice;
  /** Only the top this many layers train (the Train step's "Quicker" choice); absent: every layer. */
  trainLayers?: number;
  /** Where the pretrained model came from: the app's copy (or the hub) loads again by itself; a picked folder must be picked again. */
  base: 'app' | 'hub' | 'files';
  startedAt: string;
}

/** What a project keeps of its last training run. */
export interface SavedTrain {
  summary: TrainSummary;
  finishedAt: string;
}

export interface ProjectSettings {
  data?: { seeds: DataSource; unlabeled: DataSource | null };
  /** Validation and test files the user uploaded (projects/eval-sets.ts). */
  evalFiles?: { val?: DataSource; test?: DataSource };
  /** One sentence on what is classified (bundles print it). */
  task?: string;
  synth?: SavedSynth;
  train?: SavedTrain;
  /** A fine-tuning run that has not ended (a reload continues it). */
  training?: RunningTrain;
  /** The bundle file a project was imported from. */
  importedFrom?: string;
  /** CLI run folders: a fingerprint of the files the project was made from, so a rerun with others is refused. */
  inputs?: string;
  /** The CLI's generation baseline: the project whose run it is compared with. */
  baselineOf?: string;
}
