/**
 * The worker's `train` namespace: the Train step's use case (core/projects/train.ts) over the
 * app's IndexedDB store and its GloVe table or the loaded sentence encoder, on the backend the
 * user names or the timed choice picks (core/student/backend.ts, which never switches it under another job of this worker), plus the
 * worker's own memory check. A failure the user can act on throws a UserError, a cancel an
 * AbortError (protocol.ts); `worker().cancel(jobId)` stops a run at its next batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { EncoderSpec } from '../core/encode/encoder.js';
import { GloveEncoder } from '../core/encode/glove.js';
import { UserError } from '../core/errors.js';
import type { TrainSummary } from '../core/projects/settings.js';
import { estimateProjectTraining, trainCheckpointKey, trainProject, type TrainEvent } from '../core/projects/train.js';
import type { RunningTrain } from '../core/projects/settings.js';
import type { TrainingEstimate } from '../core/student/finetune/estimate.js';
import { STUDENT_DEFAULTS } from '../core/student/defaults.js';
import type { StudentHyper } from '../core/student/spec.js';
import type { EpochReport, StepReport } from '../core/student/train.js';
import { trainStudent, type TransformerFeatures } from '../core/student/student.js';
import { IdbStore } from '../core/store/idb.js';
import type { Store } from '../core/store/store.js';
import { ALL_BACKENDS, availableBackends, type BackendChoice, type BackendName, type BackendRequest } from '../core/student/backend.js';
import { predict, type Prediction } from '../core/student/predict.js';
import { loadModelRecord } from '../core/student/record.js';
import type { Student, StudentFeatures } from '../core/student/student.js';
import { appWordVectors, encodeApi, loadedPretrained, loadedSentenceEncoder } from './encode.js';
import { jobs } from './protocol.js';

export interface TrainRequest {
  projectId: string;
  /** Identifies the run for `cancel`. */
  jobId: string;
  backend: BackendRequest;
  /**
   * For 'auto': the choice already made, trained on without timing again: the estimate's (with
   * each candidate's time), or the one an interrupted run ran on (`interrupted().chosen`).
   */
  chosen?: BackendChoice;
  /** Most epochs; early stopping on validation macro-F1 may end sooner. */
  epochs?: number;
  /** The transformer trains only its top this many layers over cached lower outputs (absent: every layer). */
  trainLayers?: number;
  /**
   * `word`: the GloVe word model (default). `encoder`: a classifier head on the pretrained
   * sentence encoder's vectors; the encoder must be loaded first (encode.loadEncoder).
   * `transformer`: the pretrained transformer fine-tuned whole; it must be read first
   * (encode.loadPretrained). Its run is checkpointed after each epoch and a reload continues it.
   */
  student?: 'word' | 'encoder' | 'transformer';
}

/** What the fine-tuning check (the encoder check page in tests/e2e/encoder-harness, the browser tests, the bench) trains and how. */
export interface FineTuneCheckRequest {
  jobId: string;
  train: { texts: string[]; labels: string[] };
  val: { texts: string[]; labels: string[] };
  backend: BackendRequest;
  hyper?: Partial<StudentHyper>;
  /** Stop after this many steps (a speed measurement): the run is cancelled there and reports its steps. */
  maxSteps?: number;
}

export interface FineTuneCheckResult {
  backend: string;
  history: EpochReport[];
  steps: StepReport[];
  /** tf.memory().numTensors in the worker before the run and after its model is disposed. */
  tensorsBefore: number;
  tensorsAfter: number;
  seconds: number;
}

export interface MemorySample {
  numTensors: number;
  numBytes: number;
  /** JS heap of the worker where the browser reports it (Chromium's performance.memory). */
  jsHeapBytes?: number;
}

let probing: Promise<BackendName[]> | undefined;
/** The last trained or loaded student, kept for `predict` until another replaces it. */
let current: (Student & { id: string }) | undefined;
let training = false;

/** Chromium's non-standard performance.memory, where there is one. */
type ChromiumPerformance = Performance & { memory?: { usedJSHeapSize: number } };

function memory(): MemorySample {
  const m = tf.memory();
  const heap = (performance as ChromiumPerformance).memory?.usedJSHeapSize;
  return { numTensors: m.numTensors, numBytes: m.numBytes, ...(heap ? { jsHeapBytes: heap } : {}) };
}

/** The loaded sentence encoder, its vectors cached in the store by (encoder id, text). */
function sentenceFeatures(store: Store): StudentFeatures {
  const encoder = loadedSentenceEncoder();
  if (!encoder) throw new UserError('encoder-not-loaded', 'The pretrained encoder is not loaded.', 'Load it first (Use the pretrained encoder), or choose the word-vector student.');
  return { kind: 'vectors', encoder, cache: store };
}

/** The pretrained transformer read for fine-tuning, or the UserError that says to read it first. */
function transformerFeatures(): TransformerFeatures {
  const base = loadedPretrained();
  if (!base) throw new UserError('transformer-not-loaded', 'The pretrained transformer is not loaded.', 'Load it first (Accurate: Load the transformer), or choose the Fast student.');
  return { kind: 'transformer', base };
}

async function features(req: TrainRequest, store: Store): Promise<StudentFeatures> {
  if (req.student === 'transformer') return transformerFeatures();
  if (req.student === 'encoder') return sentenceFeatures(store);
  return { kind: 'words', wv: await appWordVectors() };
}

/** Marks (or unmarks) the project's fine-tuning run as going on, for a reloaded page to continue it. */
async function markRunning(store: Store, projectId: string, running: RunningTrain | undefined): Promise<void> {
  const p = await store.getProject(projectId);
  if (!p) return;
  const { training: _was, ...settings } = p.settings;
  await store.putProject({ ...p, settings: running ? { ...settings, training: running } : settings });
}

/** What a stored head reads, if this worker has it: the loaded sentence encoder or the app's GloVe table, with the same id. */
async function headFeatures(encoder: EncoderSpec): Promise<StudentFeatures> {
  if (encoder.kind === 'glove-pool') {
    const glove = new GloveEncoder(await appWordVectors(), { pooling: encoder.pooling });
    if (glove.id === encoder.id) return { kind: 'vectors', encoder: glove };
  } else if (encoder.kind === 'sentence' && loadedSentenceEncoder()?.id === encoder.id) {
    return { kind: 'vectors', encoder: loadedSentenceEncoder()! };
  }
  if (encoder.kind === 'retired-onnx') {
    throw new UserError('student-retired-encoder', 'This student reads the vectors of the transformers.js encoder that this version no longer has.', 'Train it again on the Train step.');
  }
  throw new UserError('student-needs-encoder', 'This student reads the pretrained encoder\'s vectors, and that encoder is not loaded.', 'Load it on the Train step, or try the student on the Export step.');
}

function replaceCurrent(next: typeof current): void {
  if (current && current.model !== next?.model) current.model.dispose();
  current = next;
}

/**
 * A backend the user picked that lacks an operation this student trains with (tfjs-backend-wasm
 * has no UnsortedSegmentSum, the gradient of an embedding lookup); the automatic choice skips it.
 */
function missingKernel(e: unknown): never {
  const missing = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(e instanceof Error ? e.message : '');
  if (missing) throw new UserError('backend-missing-kernel', `The ${missing[2]} backend cannot train this student: tfjs has no '${missing[1]}' operation there.`, 'Choose Automatic or another backend.');
  throw e;
}

export const trainApi = {
  /** Every backend this worker can start, tried rather than assumed; leaves the default one set. */
  backends(): Promise<BackendName[]> {
    // Probed once per worker (through the backend policy, so never while a job runs).
    probing ??= availableBackends(ALL_BACKENDS);
    return probing;
  },

  async run(req: TrainRequest, onEvent?: (e: TrainEvent) => void): Promise<TrainSummary & { summaryNotSaved?: string }> {
    if (training) throw new UserError('train-busy', 'A student is already training.', 'Wait for it to finish or cancel it first.');
    training = true;
    const signal = jobs.start(req.jobId);
    const baseline = tf.memory().numTensors;
    const store = await IdbStore.open();
    const long = req.student === 'transformer';
    let cancelled = false;
    // Writes of the running run's settings, in order; the last (clearing them) waits for the rest.
    let marked: Promise<unknown> = Promise.resolve();
    try {
      const chosen = req.backend === 'auto' ? req.chosen : undefined;
      let running: RunningTrain | undefined;
      if (long) {
        const source = encodeApi.loadedPretrained()?.source ?? 'app';
        running = {
          student: 'transformer', epochs: req.epochs ?? STUDENT_DEFAULTS.transformer.epochs, backend: req.backend, ...(chosen ? { chosen } : {}),
          ...(req.trainLayers !== undefined ? { trainLayers: req.trainLayers } : {}), base: source, startedAt: new Date().toISOString(),
        };
        await markRunning(store, req.projectId, running);
      }
      const done = await trainProject(store, req.projectId, {
        signal, backend: req.backend, chosen, hyper: { epochs: req.epochs || undefined, trainLayers: long ? req.trainLayers : undefined },
        features: () => features(req, store),
        onEvent: (e) => {
          // The backend the run trains on, once known: a reload resumes there instead of timing again.
          if (running && e.kind === 'phase' && e.phase === 'training' && e.backend && running.chosen?.backend !== e.backend) {
            running = { ...running, chosen: { backend: e.backend as BackendName, timings: {} } };
            const next = running;
            marked = marked.then(() => markRunning(store, req.projectId, next)).catch(() => undefined);
          }
          onEvent?.(e);
        },
      }).catch((e: unknown) => {
        cancelled = signal.aborted;
        return missingKernel(e);
      });
      const previous = current?.model.weights.length ?? 0;
      replaceCurrent({ id: done.summary.modelId, ...done.student });
      const after = memory();
      return {
        ...done.summary, memory: after,
        leakedTensors: after.numTensors - (baseline - previous) - done.student.model.weights.length,
        ...(done.summaryNotSaved ? { summaryNotSaved: done.summaryNotSaved } : {}),
      };
    } finally {
      // Ended, failed or cancelled: nothing for a reload to continue. A cancelled run's checkpoint goes too (nothing of it is kept).
      if (long) {
        await marked;
        await markRunning(store, req.projectId, undefined).catch(() => undefined);
        if (cancelled) await store.deleteCheckpoint(trainCheckpointKey(req.projectId)).catch(() => undefined);
      }
      training = false;
      jobs.end(req.jobId);
      await store.close();
    }
  },

  /**
   * How long fine-tuning the project's transformer would take here: for 'auto', the backend
   * chosen by a trial step timed on each candidate (every time reported); one training step
   * measured there (or on the named backend), scaled to the planned epochs. `run` takes the
   * choice back as its `chosen`.
   */
  async estimate(req: Omit<TrainRequest, 'student'>): Promise<TrainingEstimate> {
    if (training) throw new UserError('train-busy', 'A student is already training.', 'Wait for it to finish or cancel it first.');
    training = true;
    const signal = jobs.start(req.jobId);
    const store = await IdbStore.open();
    try {
      return await estimateProjectTraining(store, req.projectId, {
        features: transformerFeatures(), backend: req.backend, hyper: { epochs: req.epochs || undefined, trainLayers: req.trainLayers }, signal,
      }).catch(missingKernel);
    } finally {
      training = false;
      jobs.end(req.jobId);
      await store.close();
    }
  },

  /** The fine-tuning run of this project that a reload interrupted, if its checkpoint is still there. */
  async interrupted(projectId: string): Promise<(RunningTrain & { epoch: number }) | undefined> {
    if (training) return undefined;
    const store = await IdbStore.open();
    try {
      const running = (await store.getProject(projectId))?.settings.training;
      const checkpoint = running && await store.getCheckpoint(trainCheckpointKey(projectId));
      if (!running) return undefined;
      return { ...running, epoch: (checkpoint?.meta as { epoch?: number } | undefined)?.epoch ?? 0 };
    } finally {
      await store.close();
    }
  },

  /**
   * Fine-tunes the loaded pretrained transformer on texts given here (no project, nothing
   * stored) and frees it: the loss per epoch and step, the backend that ran, and the worker's
   * tensor count before and after, for the encoder check page and the browser tests.
   */
  async finetuneCheck(req: FineTuneCheckRequest, onStep?: (s: StepReport) => void): Promise<FineTuneCheckResult> {
    if (training) throw new UserError('train-busy', 'A student is already training.', 'Wait for it to finish or cancel it first.');
    training = true;
    const signal = jobs.start(req.jobId);
    await tf.ready(); // the engine's count needs a backend set (the page may not have probed any yet)
    const tensorsBefore = tf.memory().numTensors;
    const started = performance.now();
    const steps: StepReport[] = [];
    const enough = new AbortController();
    let ranOn = '';
    try {
      const s = await trainStudent(req.train, req.val, transformerFeatures(), {
        signal: AbortSignal.any([signal, enough.signal]), backend: req.backend, hyper: req.hyper,
        onStep: (r) => {
          ranOn = tf.getBackend();
          steps.push(r);
          onStep?.(r);
          if (req.maxSteps && steps.length >= req.maxSteps) enough.abort();
        },
      }).catch((e: unknown) => {
        if (enough.signal.aborted && !signal.aborted) return undefined; // stopped after maxSteps: the model is already freed
        return missingKernel(e);
      });
      s?.model.dispose();
      return { backend: s?.backend.backend ?? ranOn, history: s?.fit.history ?? [], steps, tensorsBefore, tensorsAfter: tf.memory().numTensors, seconds: (performance.now() - started) / 1000 };
    } finally {
      training = false;
      jobs.end(req.jobId);
    }
  },

  /** Labels for texts from a stored student (the last trained one stays loaded). */
  async predict(modelId: string, texts: string[]): Promise<Prediction[]> {
    if (current?.id !== modelId) {
      const store = await IdbStore.open();
      let record;
      try { record = await store.getModel(modelId); } finally { await store.close(); }
      if (!record) throw new UserError('no-model', 'That student is no longer stored.', 'Train it again.');
      replaceCurrent({ id: modelId, ...await loadModelRecord(record) });
    }
    // Asked each time: the encoder loaded on the Train step may have changed since.
    const features = current!.spec.kind === 'mlp' ? await headFeatures(current!.spec.input.encoder) : undefined;
    return predict(current!, texts, features);
  },

  /** tfjs memory of the worker, for the memory check. */
  memory(): MemorySample {
    return memory();
  },
};
