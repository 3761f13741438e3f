/**
 * The worker's `train` namespace: trains the student (core/student) on the open project's
 * examples from IndexedDB, on the backend the probe + micro-benchmark picks or the user names,
 * reports every epoch, and saves the kept model to the store in the shape the Export step reads
 * (ModelRecord.meta.spec / meta.metrics, see core/bundle/from-store.ts). UserErrors come back as
 * values because Comlink keeps only an error's message and name.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// The wasm backend's binaries, served by the app itself (hashed assets), never from a CDN.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { Example } from '../core/dataset/example.js';
import { projectSplits, type ValSource } from '../core/dataset/split.js';
import { isAbortError, isUserError, UserError } from '../core/errors.js';
import { ALL_BACKENDS, availableBackends, type BackendName } from '../core/student/backend.js';
import { evaluate, type Metrics } from '../core/student/metrics.js';
import { mistakesOf } from '../core/student/mistakes.js';
import { predict } from '../core/student/predict.js';
import type { StudentSpec } from '../core/student/spec.js';
import { trainStudent, type StudentFeatures } from '../core/student/student.js';
import type { EpochReport } from '../core/student/train.js';
import { IdbStore } from '../core/store/idb.js';
import type { ModelRecord, Store } from '../core/store/store.js';
import { withCache } from '../core/encode/cache.js';
import { appWordVectors, loadedSentenceEncoder } from './encode.js';

// Absolute URLs: the worker may run from a blob: URL (app/flow/csp.ts), where relative ones break.
const abs = (u: string) => new URL(u, self.location.origin).href;
setWasmPaths({
  'tfjs-backend-wasm.wasm': abs(wasmPlain),
  'tfjs-backend-wasm-simd.wasm': abs(wasmSimd),
  'tfjs-backend-wasm-threaded-simd.wasm': abs(wasmThreaded),
});

export type BackendRequest = 'auto' | BackendName;

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

export type TrainEvent =
  | { kind: 'phase'; phase: 'data' | 'vectors' | 'backend' | 'training' | 'saving'; detail?: string }
  | { kind: 'epoch'; report: EpochReport; memory: MemorySample }
  /** Texts turned into sentence vectors so far (cached ones count at once). */
  | { kind: 'embed'; done: number; total: number };

export interface TrainSummary {
  modelId: string;
  /** The backend that actually ran the training. */
  backend: BackendName;
  /** ms per training step of the micro-benchmark per backend (auto only); null where it failed. */
  timings: Partial<Record<BackendName, number | null>>;
  history: EpochReport[];
  bestEpoch: number;
  val: Metrics;
  test?: Metrics;
  labels: string[];
  examples: { train: number; val: number; test: number };
  /** 'project': the project's own validation examples; 'held-out': 20% of each class held out (seeded). */
  valFrom: ValSource;
  seconds: number;
  /** After the run, the student kept alive for `predict`. */
  memory: MemorySample;
  /** Largest tfjs byte count seen at an epoch end. */
  peakTensorBytes: number;
  /** Tensors alive after the run beyond those before it and the kept student's weights (0 = no leak). */
  leakedTensors: number;
}

export interface TrainFailure { code: string; message: string; hint?: string }
export type TrainResult = { ok: true; summary: TrainSummary } | { ok: false; cancelled?: boolean; error?: TrainFailure };

export interface PredictionOut { label: string; scores: number[] }

const running = new Map<string, AbortController>();
let probing: Promise<BackendName[]> | undefined;
/** The last trained or loaded student, kept for `predict` until another replaces it. */
let current: { id: string; model: tf.LayersModel; spec: StudentSpec } | undefined;

function memory(): MemorySample {
  const m = tf.memory();
  const heap = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize;
  return { numTensors: m.numTensors, numBytes: m.numBytes, ...(heap ? { jsHeapBytes: heap } : {}) };
}

async function glove(): Promise<StudentFeatures> {
  return { kind: 'glove', wv: await appWordVectors() };
}

/** The loaded sentence encoder, its vectors cached in the store by (encoder id, text). */
function sentenceFeatures(store: Store): StudentFeatures {
  const encoder = loadedSentenceEncoder();
  if (!encoder) throw new UserError('encoder-not-loaded', 'The pretrained encoder is not loaded.', 'Load it first (Use the pretrained encoder), or choose the word-vector student.');
  return { kind: 'sentence', encoder: withCache(encoder, store) };
}

function asTexts(xs: Example[]): { texts: string[]; labels: string[] } {
  return { texts: xs.map((e) => e.text), labels: xs.map((e) => e.label!) };
}

async function toRecord(id: string, projectId: string, model: tf.LayersModel, meta: Record<string, unknown>): Promise<ModelRecord> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  const data = saved!.weightData!;
  return {
    id, projectId, createdAt: new Date().toISOString(), meta,
    modelJson: { modelTopology: saved!.modelTopology, weightSpecs: saved!.weightSpecs, format: 'layers-model' },
    weights: Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data,
  };
}

function replaceCurrent(next: typeof current): void {
  if (current && current.model !== next?.model) current.model.dispose();
  current = next;
}

const MAX_KEPT_MISTAKES = 1000;

function failure(e: unknown): TrainResult {
  if (isAbortError(e)) return { ok: false, cancelled: true };
  if (isUserError(e)) return { ok: false, error: { code: e.code, message: e.message, hint: e.hint } };
  // A backend the user picked that lacks an operation this student trains with (tfjs-backend-wasm
  // has no UnsortedSegmentSum, the gradient of an embedding lookup); the automatic choice skips it.
  const missing = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(e instanceof Error ? e.message : '');
  if (missing) {
    return { ok: false, error: { code: 'backend-missing-kernel', message: `The ${missing[2]} backend cannot train this student: tfjs has no '${missing[1]}' operation there.`, hint: 'Choose Automatic or another backend.' } };
  }
  throw e;
}

export const trainApi = {
  /** Every backend this worker can start, tried rather than assumed; leaves the default one set. */
  backends(): Promise<BackendName[]> {
    // Probed once per worker: probing switches the global backend, so it must never interleave
    // with a run (which waits for it).
    probing ??= (async () => {
      const before = tf.getBackend();
      const ok = await availableBackends(ALL_BACKENDS);
      if (before) await tf.setBackend(before);
      return ok;
    })();
    return probing;
  },

  async run(req: TrainRequest, onEvent?: (e: TrainEvent) => void): Promise<TrainResult> {
    if (running.size) {
      return { ok: false, error: { code: 'train-busy', message: 'A student is already training.', hint: 'Wait for it to finish or cancel it first.' } };
    }
    const ac = new AbortController();
    running.set(req.jobId, ac);
    await probing?.catch(() => undefined);
    const started = performance.now();
    const baseline = tf.memory().numTensors;
    const store = await IdbStore.open();
    try {
      onEvent?.({ kind: 'phase', phase: 'data' });
      const project = await store.getProject(req.projectId);
      if (!project) throw new UserError('no-project', 'There is no open project to train on.', 'Open or create one on the Data step.');
      const splits = projectSplits(await store.listExamples(req.projectId));
      if (splits.train.length < 2) {
        throw new UserError('too-few-examples', `The project has ${splits.train.length} labeled training example${splits.train.length === 1 ? '' : 's'}; a student needs more.`, 'Add labeled examples on the Data step or make more on the Synthesize step.');
      }
      onEvent?.({ kind: 'phase', phase: 'vectors', detail: req.student === 'encoder' ? 'encoder' : 'glove' });
      const features = req.student === 'encoder' ? sentenceFeatures(store) : await glove();
      onEvent?.({ kind: 'phase', phase: 'backend', detail: req.backend });
      let peak = 0;
      let announced = false;
      const trained = await trainStudent(asTexts(splits.train), asTexts(splits.val), features, {
        signal: ac.signal,
        onProgress: (p) => { if (p.phase === 'embed') onEvent?.({ kind: 'embed', done: p.done, total: p.total }); },
        backend: req.backend === 'auto' ? undefined : req.backend,
        hyper: req.epochs ? { epochs: req.epochs } : undefined,
        onEpoch: (report) => {
          if (!announced) { announced = true; onEvent?.({ kind: 'phase', phase: 'training', detail: tf.getBackend() }); }
          const mem = memory();
          peak = Math.max(peak, mem.numBytes);
          onEvent?.({ kind: 'epoch', report, memory: mem });
        },
      });
      try {
        // Kept with the model so Evaluate can list them after a reload; capped so a large
        // validation file does not bloat the record (the worst come first).
        const valScores = await predict(trained, splits.val.map((e) => e.text), features, { signal: ac.signal });
        const mistakes = mistakesOf(splits.val, valScores.map((p) => p.scores), trained.spec.labels, { withScores: true }).slice(0, MAX_KEPT_MISTAKES);
        let test: Metrics | undefined;
        if (splits.test.length) {
          const p = await predict(trained, splits.test.map((e) => e.text), features, { signal: ac.signal });
          const index = new Map(trained.spec.labels.map((l, i) => [l, i]));
          const known = splits.test.map((e, i) => ({ y: index.get(e.label!), s: p[i].scores })).filter((r) => r.y !== undefined);
          if (known.length) test = evaluate(known.map((r) => r.y!), known.map((r) => r.s), trained.spec.labels);
        }
        onEvent?.({ kind: 'phase', phase: 'saving' });
        const modelId = `${req.projectId}-student-${Date.now().toString(36)}`;
        const backend = trained.backend.backend;
        await store.putModel(await toRecord(modelId, req.projectId, trained.model, {
          spec: trained.spec, labels: trained.spec.labels,
          metrics: { val: trained.fit.val, ...(test ? { test } : {}) },
          mistakes,
          training: { backend, bestEpoch: trained.fit.bestEpoch, history: trained.fit.history, valFrom: splits.valFrom },
        }));
        const previous = current?.model.weights.length ?? 0;
        replaceCurrent({ id: modelId, model: trained.model, spec: trained.spec });
        const after = memory();
        return {
          ok: true,
          summary: {
            modelId, backend, timings: trained.backend.timings, history: trained.fit.history, bestEpoch: trained.fit.bestEpoch,
            val: trained.fit.val, test, labels: trained.spec.labels,
            examples: { train: splits.train.length, val: splits.val.length, test: splits.test.length },
            valFrom: splits.valFrom, seconds: (performance.now() - started) / 1000, memory: after, peakTensorBytes: peak,
            leakedTensors: after.numTensors - (baseline - previous) - trained.model.weights.length,
          },
        };
      } catch (e) {
        if (current?.model !== trained.model) trained.model.dispose();
        throw e;
      }
    } catch (e) {
      return failure(e);
    } finally {
      running.delete(req.jobId);
      await store.close();
    }
  },

  /** Stops a run at the next batch; nothing is saved for it. */
  cancel(jobId: string): void {
    running.get(jobId)?.abort();
  },

  /** Labels for texts from a stored student (the last trained one stays loaded). */
  async predict(modelId: string, texts: string[]): Promise<{ ok: true; predictions: PredictionOut[] } | { ok: false; error: TrainFailure }> {
    try {
      if (current?.id !== modelId) {
        const store = await IdbStore.open();
        let record: ModelRecord | undefined;
        try { record = await store.getModel(modelId); } finally { await store.close(); }
        if (!record?.meta.spec) throw new UserError('no-model', 'That student is no longer stored.', 'Train it again.');
        const spec = record.meta.spec as StudentSpec;
        if (spec.encoder.kind !== 'glove' && loadedSentenceEncoder()?.id !== spec.encoder.id) {
          throw new UserError('student-needs-encoder', 'This student reads the pretrained encoder\'s vectors, and that encoder is not loaded.', 'Load it on the Train step, or try the student on the Export step.');
        }
        const m = record.modelJson as { modelTopology: object; weightSpecs: tf.io.WeightsManifestEntry[] };
        const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: m.modelTopology, weightSpecs: m.weightSpecs, weightData: record.weights }));
        replaceCurrent({ id: modelId, model, spec: record.meta.spec as StudentSpec });
      }
      const preds = await predict(current!, texts, current!.spec.encoder.kind === 'glove' ? await glove() : { kind: 'sentence', encoder: loadedSentenceEncoder()! });
      return { ok: true, predictions: preds };
    } catch (e) {
      if (isUserError(e)) return { ok: false, error: { code: e.code, message: e.message, hint: e.hint } };
      throw e;
    }
  },

  /** tfjs memory of the worker, for the memory check. */
  memory(): MemorySample {
    return memory();
  },
};
