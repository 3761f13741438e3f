/**
 * Train a project: the Train step's use case, and `distillery train`'s. Reads the project's
 * labeled examples, splits them by the one validation rule (dataset/split.ts projectSplits),
 * trains the student, scores it on validation (its kept mistakes) and test (only reported), saves
 * it as a model record and remembers the result in the project, so a reload shows it again.
 */
import * as tf from '@tensorflow/tfjs';
import type { Example } from '../dataset/example.js';
import type { Overlap } from '../dataset/overlap.js';
import { projectSplits, type ValSource } from '../dataset/split.js';
import { extrapolationDrivers } from '../loop/checkpoint.js';
import { UserError } from '../errors.js';
import type { LongOpOptions } from '../progress.js';
import type { Store } from '../store/store.js';
import type { SavedTrain, TrainSummary } from './settings.js';
import type { BackendChoice, BackendName, BackendRequest } from '../student/backend.js';
import { scoredOn } from '../student/intervals.js';
import { evaluate, type Metrics } from '../student/metrics.js';
import { mistakesOf } from '../student/mistakes.js';
import { predict } from '../student/predict.js';
import { toModelRecord } from '../student/record.js';
import type { StudentHyper } from '../student/spec.js';
import { estimateFineTuning, type TrainingEstimate } from '../student/finetune/estimate.js';
import { kindFor, trainStudent, type LabeledTexts, type Student, type StudentFeatures, type TransformerFeatures, type TransformerStudent } from '../student/student.js';
import type { EpochReport, StepReport } from '../student/train.js';

export type TrainPhase = 'data' | 'vectors' | 'backend' | 'training' | 'saving';

export type TrainEvent =
  /** `backend`: the request ('auto' or a name) while choosing; the backend that runs, once training. */
  | { kind: 'phase'; phase: TrainPhase; backend?: string }
  | { kind: 'epoch'; report: EpochReport }
  /** The sets the run trains, validates and tests on, once split: what the page says before the first epoch. */
  | { kind: 'data'; examples: TrainSummary['examples']; valFrom: ValSource; overlap: Overlap; droveLeftOut: number }
  /** After each optimizer step of a long training (the fine-tuned transformer): steps/s and ETA. */
  | { kind: 'step'; report: StepReport }
  /** Training continues from the checkpoint of an earlier, interrupted run of the same training. */
  | { kind: 'resumed'; epoch: number; history: EpochReport[] }
  /** Texts turned into sentence vectors so far, for a head over an encoder (cached ones count at once). */
  | { kind: 'embed'; done: number; total: number };

export interface TrainProjectOptions extends LongOpOptions {
  /** What the student reads besides texts; a function when loading it is a phase of its own. */
  features: StudentFeatures | (() => Promise<StudentFeatures>);
  backend?: BackendRequest;
  candidates?: BackendName[];
  /** For 'auto': the choice the estimate timed (or a resumed run ran on), taken without timing again. */
  chosen?: BackendChoice;
  hyper?: Partial<StudentHyper>;
  onEvent?: (e: TrainEvent) => void;
  /**
   * Keep the training state in the store after each epoch (under `<project>:train`) and resume
   * from it, so a reload or a killed process continues instead of starting over. Default: for a
   * fine-tuned transformer (minutes to hours); the small students retrain in seconds.
   */
  checkpoint?: boolean;
  /** Bytes a training batch's activations may take (the transformer's batches are sized by it). */
  memoryBytes?: number;
}

/** The store key of a project's training checkpoint. */
export const trainCheckpointKey = (projectId: string) => `${projectId}:train`;

export interface TrainedProject {
  summary: TrainSummary;
  /** The student, alive: the caller disposes its model. */
  student: Student;
  /** Set when the model was stored but the project could not remember its summary (a full quota). */
  summaryNotSaved?: string;
}

/** Validation mistakes kept with the model: the worst come first, so a cap loses the least useful. */
export const MAX_KEPT_MISTAKES = 1000;

const asTexts = (xs: Example[]): LabeledTexts => ({ texts: xs.map((e) => e.text), labels: xs.map((e) => e.label!) });

/** The project's splits for training, or the UserError that says why it cannot train. */
async function trainingSplits(store: Store, projectId: string): Promise<ReturnType<typeof projectSplits>> {
  const project = await store.getProject(projectId);
  if (!project) throw new UserError('no-project', 'There is no open project to train on.', 'Open or create one on the Data step.');
  // Texts whose errors a synthesis run extrapolated from would flatter this student: not validation.
  const splits = projectSplits(await store.listExamples(projectId), { drove: await extrapolationDrivers(store, projectId) });
  if (!splits.val.length && splits.droveLeftOut) {
    throw new UserError('no-validation', `No validation examples: all ${splits.droveLeftOut} had their errors sent to the teacher by a synthesis run, which wrote examples like them, so they can no longer tell how well a student does.`);
  }
  if (!splits.val.length) {
    // The epoch would be chosen on nothing and "validation accuracy 0" reported. Each front says what to do (no hint here).
    throw new UserError('no-validation', `No validation examples: holding out 20% of each class left none (there are ${splits.train.length} labeled training examples; a class needs at least 2 to give one to validation).`);
  }
  if (splits.train.length < 2) {
    throw new UserError('too-few-examples', `The project has ${splits.train.length} labeled training example${splits.train.length === 1 ? '' : 's'}; a student needs more.`, 'Add labeled examples on the Data step or make more on the Synthesize step.');
  }
  return splits;
}

/**
 * How long fine-tuning the project's transformer student would take here: one real training step
 * timed on the backend the training would take, scaled to every planned epoch (estimate.ts).
 */
export async function estimateProjectTraining(store: Store, projectId: string, opts: LongOpOptions & {
  features: TransformerFeatures; backend?: BackendRequest; hyper?: Partial<StudentHyper>; memoryBytes?: number;
}): Promise<TrainingEstimate> {
  const splits = await trainingSplits(store, projectId);
  return estimateFineTuning(asTexts(splits.train), asTexts(splits.val), opts.features, opts);
}

/**
 * Trains and saves the project's student. Resolves to its summary and the live student (the
 * caller disposes its model); nothing is saved when it fails or is cancelled.
 */
export async function trainProject(store: Store, projectId: string, opts: TrainProjectOptions): Promise<TrainedProject> {
  const started = performance.now();
  const emit = (e: TrainEvent) => opts.onEvent?.(e);
  emit({ kind: 'phase', phase: 'data' });
  const splits = await trainingSplits(store, projectId);
  const examples = { train: splits.train.length, val: splits.val.length, test: splits.test.length };
  emit({ kind: 'data', examples, valFrom: splits.valFrom, overlap: splits.overlap, droveLeftOut: splits.droveLeftOut });
  emit({ kind: 'phase', phase: 'vectors' });
  const features = typeof opts.features === 'function' ? await opts.features() : opts.features;
  emit({ kind: 'phase', phase: 'backend', backend: opts.backend ?? 'auto' });
  let peak = 0;
  let announced = false;
  const announce = () => {
    if (!announced) { announced = true; emit({ kind: 'phase', phase: 'training', backend: tf.getBackend() }); }
  };
  // The small students train in seconds: no checkpoints, no per-step events for them by default.
  const long = kindFor(features) === 'transformer';
  const withCheckpoint = opts.checkpoint ?? long;
  const checkpoint = withCheckpoint ? { store, key: trainCheckpointKey(projectId), projectId } : undefined;
  const trained = await trainStudent(asTexts(splits.train), asTexts(splits.val), features, {
    signal: opts.signal, backend: opts.backend, candidates: opts.candidates, chosen: opts.chosen, hyper: opts.hyper, checkpoint, memoryBytes: opts.memoryBytes,
    onProgress: (p) => { if (p.phase === 'embed') emit({ kind: 'embed', done: p.done, total: p.total }); },
    onResume: (epoch, history) => emit({ kind: 'resumed', epoch, history }),
    onStep: long ? (report) => {
      announce();
      peak = Math.max(peak, tf.memory().numBytes);
      emit({ kind: 'step', report });
    } : undefined,
    onEpoch: (report) => {
      announce();
      peak = Math.max(peak, tf.memory().numBytes);
      emit({ kind: 'epoch', report });
    },
  });
  try {
    const valScores = await predict(trained, splits.val.map((e) => e.text), features, { signal: opts.signal });
    const mistakes = mistakesOf(splits.val, valScores.map((p) => p.scores), trained.spec.labels, { withScores: true }).slice(0, MAX_KEPT_MISTAKES);
    let test: Metrics | undefined;
    if (splits.test.length) {
      const p = await predict(trained, splits.test.map((e) => e.text), features, { signal: opts.signal });
      const index = new Map(trained.spec.labels.map((l, i) => [l, i]));
      // Test examples of a label the student never saw cannot be scored against it.
      const known = splits.test.map((e, i) => ({ text: e.text, y: index.get(e.label!), s: p[i].scores })).filter((r) => r.y !== undefined);
      if (known.length) test = scoredOn(evaluate(known.map((r) => r.y!), known.map((r) => r.s), trained.spec.labels), 'test', known.map((r) => r.text));
    }
    // Validation chose the kept epoch: its score is shown with its count and interval, and as what it is.
    const val = scoredOn(trained.fit.val, 'validation', splits.val.map((e) => e.text));
    emit({ kind: 'phase', phase: 'saving' });
    const modelId = `${projectId}-student-${Date.now().toString(36)}`;
    const { fit } = trained;
    const backend = trained.backend.backend;
    await store.putModel(await toModelRecord(trained, { id: modelId, projectId }, {
      metrics: { val, ...(test ? { test } : {}) },
      mistakes,
      training: { backend, bestEpoch: fit.bestEpoch, history: fit.history, stopReason: fit.stopReason, valFrom: splits.valFrom, overlap: splits.overlap, droveLeftOut: splits.droveLeftOut },
    }));
    const m = tf.memory();
    const summary: TrainSummary = {
      modelId, backend, timings: trained.backend.timings, history: fit.history, bestEpoch: fit.bestEpoch, stopReason: fit.stopReason,
      val, test, labels: trained.spec.labels, examples,
      valFrom: splits.valFrom, overlap: splits.overlap, droveLeftOut: splits.droveLeftOut, seconds: (performance.now() - started) / 1000,
      memory: { numTensors: m.numTensors, numBytes: m.numBytes }, peakTensorBytes: peak,
      ...(trained.spec.kind === 'transformer' ? { finetune: {
        layers: (trained as TransformerStudent).model.classifier.bert.config.numLayers,
        ...(trained.spec.hyper.trainLayers !== undefined ? { trainLayers: trained.spec.hyper.trainLayers } : {}),
        contrastivePairs: trained.spec.hyper.contrastivePairs ?? 0,
      } } : {}),
    };
    const student: Student = trained;
    try {
      await rememberTraining(store, projectId, { summary, finishedAt: new Date().toISOString() });
    } catch (e) {
      // The model itself is stored; only the summary shown after a reload is lost.
      return { summary, student, summaryNotSaved: (e as Error).message };
    }
    return { summary, student };
  } catch (e) {
    trained.model.dispose();
    throw e;
  }
}

/** The project's last training result, kept for a reload; the model itself is already stored. */
async function rememberTraining(store: Store, projectId: string, saved: SavedTrain): Promise<void> {
  const p = await store.getProject(projectId);
  if (p) await store.putProject({ ...p, updatedAt: new Date().toISOString(), settings: { ...p.settings, train: saved } });
}
