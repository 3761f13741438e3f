/**
 * The worker's `train` namespace: the Train step's use case (core/projects/train.ts) over the
 * app's IndexedDB store and GloVe table, on the backend the user names or the timed choice picks
 * (core/student/backend.ts, which never switches it under another job of this worker), plus the
 * worker's own memory check. A failure the user can act on throws a UserError, a cancel an
 * AbortError (protocol.ts); `worker().cancel(jobId)` stops a run at its next batch.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// The wasm backend's binaries, served by the app itself (hashed assets), never from a CDN.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { UserError } from '../core/errors.js';
import type { TrainSummary } from '../core/projects/settings.js';
import { trainProject, type TrainEvent } from '../core/projects/train.js';
import { IdbStore } from '../core/store/idb.js';
import { ALL_BACKENDS, availableBackends, type BackendName, type BackendRequest } from '../core/student/backend.js';
import { predict, type Prediction } from '../core/student/predict.js';
import { loadModelRecord } from '../core/student/record.js';
import type { Student } from '../core/student/student.js';
import { appWordVectors } from './encode.js';
import { jobs } from './protocol.js';

// Absolute URLs: the worker may run from a blob: URL (app/flow/csp.ts), where relative ones break.
const abs = (u: string) => new URL(u, self.location.origin).href;
setWasmPaths({
  'tfjs-backend-wasm.wasm': abs(wasmPlain),
  'tfjs-backend-wasm-simd.wasm': abs(wasmSimd),
  'tfjs-backend-wasm-threaded-simd.wasm': abs(wasmThreaded),
});

export interface TrainRequest {
  projectId: string;
  /** Identifies the run for `cancel`. */
  jobId: string;
  backend: BackendRequest;
  /** Most epochs; early stopping on validation macro-F1 may end sooner. */
  epochs?: number;
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
        features: async () => ({ kind: 'words', wv: await appWordVectors() }),
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
      const loaded = await loadModelRecord(record);
      if (loaded.spec.kind !== 'wordpool') {
        loaded.model.dispose();
        throw new UserError('student-needs-encoder', 'This student reads sentence embeddings, which this check does not load.', 'Try it on the Export step instead.');
      }
      replaceCurrent({ id: modelId, ...loaded });
    }
    return predict(current!, texts);
  },

  /** tfjs memory of the worker, for the memory check. */
  memory(): MemorySample {
    return memory();
  },
};
