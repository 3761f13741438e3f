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
import { trainProject, type TrainEvent } from '../core/projects/train.js';
import { IdbStore } from '../core/store/idb.js';
import type { Store } from '../core/store/store.js';
import { ALL_BACKENDS, availableBackends, type BackendName, type BackendRequest } from '../core/student/backend.js';
import { predict, type Prediction } from '../core/student/predict.js';
import { loadModelRecord } from '../core/student/record.js';
import type { Student, StudentFeatures } from '../core/student/student.js';
import { appWordVectors, loadedSentenceEncoder } from './encode.js';
import { jobs } from './protocol.js';

export interface TrainRequest {
  projectId: string;
  /** Identifies the run for `cancel`. */
  jobId: string;
  backend: BackendRequest;
  /** Most epochs; early stopping on validation macro-F1 may end sooner. */
  epochs?: number;
  /**
   * `word`: the GloVe word model (default). `encoder`: a classifier head on the pretrained
   * sentence encoder's vectors; the encoder must be loaded first (encode.loadEncoder).
   */
  student?: 'word' | 'encoder';
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
    try {
      const done = await trainProject(store, req.projectId, {
        signal, backend: req.backend, hyper: req.epochs ? { epochs: req.epochs } : undefined,
        features: async () => (req.student === 'encoder' ? sentenceFeatures(store) : { kind: 'words', wv: await appWordVectors() }),
        onEvent,
      }).catch(missingKernel);
      const previous = current?.model.weights.length ?? 0;
      replaceCurrent({ id: done.summary.modelId, ...done.student });
      const after = memory();
      return {
        ...done.summary, memory: after,
        leakedTensors: after.numTensors - (baseline - previous) - done.student.model.weights.length,
        ...(done.summaryNotSaved ? { summaryNotSaved: done.summaryNotSaved } : {}),
      };
    } finally {
      training = false;
      jobs.end(req.jobId);
      await store.close();
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
