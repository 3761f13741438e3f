/**
 * The one owner of tfjs's backend. tfjs has a single global backend per thread, and the Train
 * step and the synthesis loop share one worker: a training run must never have the backend
 * switched under it (a WebGPU variable read on the CPU backend, or the reverse, fails or copies
 * every step). So every job that runs tensors goes through `withBackend`: jobs run one at a time,
 * and only a job that is starting may choose the backend, by one of four requests:
 *   - a backend by name (the user's override; a UserError if it cannot start here),
 *   - 'auto': probe what this runtime offers and time one real training step on each that works
 *     (WebGPU is not always fastest: an emulated or weak GPU trains MiniLM ~95x slower than wasm;
 *     and some backends lack gradient kernels), keep the fastest. Backends too slow to time (cpu
 *     for a transformer: a step takes a minute) are a `fallback`, taken untimed only when no
 *     candidate starts; a choice timed before (the Train step's estimate, a resumed run) is
 *     passed on as `chosen` and not timed again,
 *   - a list in order of preference: the first that starts (the sentence encoder's load: a frozen
 *     BERT runs fastest on webgpu, then webgl, then wasm, so there is nothing to time),
 *   - 'current': whatever is set (predictions, loading a model).
 * A job that runs where its weights live (the sentence encoder's encode: its 90 MB of weights stay
 * on the backend they were loaded on) asks for that backend with `restore`, which puts back the
 * one set before when it ends, so the next 'current' job finds what it left.
 */
import * as tf from '@tensorflow/tfjs';
import { throwIfAborted, UserError } from '../errors.js';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const ALL_BACKENDS: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
export type BackendRequest = 'auto' | BackendName;
/** What a job may ask for (see the top of this file). */
export type BackendJobRequest = BackendRequest | 'current' | readonly BackendName[];

let lane: Promise<unknown> = Promise.resolve();

/** Runs `job` when every earlier job has finished, alone. Jobs must not call `withBackend` themselves. */
function exclusive<T>(job: () => Promise<T>): Promise<T> {
  const run = lane.then(job, job);
  lane = run.catch(() => undefined);
  return run;
}

let cpuPatched = false;

/**
 * tfjs-backend-cpu's UnsortedSegmentSum (the gradient of an embedding lookup) loops over every
 * segment for every row: O(vocab × batch tokens), minutes per epoch for a 30k-word vocab. This is
 * the same kernel as a linear scatter-add.
 */
export function patchCpuKernels(): void {
  if (cpuPatched) return;
  cpuPatched = true;
  tf.unregisterKernel('UnsortedSegmentSum', 'cpu');
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      // The cpu backend (tfjs-backend-cpu's MathBackendCPU) keeps tensor values in `data`.
      const cpu = backend as tf.KernelBackend & { data: { get(id: unknown): { values: ArrayLike<number> } }; makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo };
      const xs = cpu.data.get(x.dataId).values;
      const ids = cpu.data.get(segmentIds.dataId).values;
      const rows = ids.length;
      const inner = rows ? xs.length / rows : 0;
      const out = new Float32Array(numSegments * inner);
      for (let r = 0; r < rows; r++) {
        const s = ids[r];
        if (s < 0 || s >= numSegments) continue;
        const o = s * inner;
        const xo = r * inner;
        for (let j = 0; j < inner; j++) out[o + j] += xs[xo + j];
      }
      const innerShape = x.shape.slice(segmentIds.shape.length);
      return cpu.makeTensorInfo([numSegments, ...innerShape], 'float32', out);
    },
  });
}

/** Backends this runtime can initialise (each is tried, not assumed); the backend set before stays set. */
export function availableBackends(candidates: BackendName[] = ALL_BACKENDS): Promise<BackendName[]> {
  return exclusive(async () => {
    const before = tf.getBackend();
    const ok = await probe(candidates);
    if (before) await tf.setBackend(before);
    return ok;
  });
}

async function probe(candidates: BackendName[]): Promise<BackendName[]> {
  const ok: BackendName[] = [];
  for (const b of candidates) {
    if (!tf.findBackendFactory(b)) continue;
    try {
      if (await tf.setBackend(b)) ok.push(b);
    } catch {
      // Not here (no WebGPU adapter, no WebGL context…): skip it.
    }
  }
  return ok;
}

export interface BackendChoice {
  backend: BackendName;
  /** ms per training step measured on each candidate; null where the step failed. */
  timings: Partial<Record<BackendName, number | null>>;
}

/**
 * One candidate's trial for 'auto', made on the backend just set: whatever the step needs (a fresh
 * model, its trainer) is built untimed, then `step` runs twice, a warm-up (shader compilation,
 * kernel setup) and the timed step, then `dispose` frees it all before the next backend is set.
 */
export interface StepTrial {
  step(): Promise<void>;
  dispose(): void;
}

export interface BackendOptions {
  /** For 'auto': sets up one representative training step on the backend just set, timed on each candidate. */
  trial?: () => StepTrial | Promise<StepTrial>;
  /** For 'auto': the backends it may time (default: all this runtime has). */
  candidates?: BackendName[];
  /**
   * For 'auto': backends taken untimed, the first that starts, only when no candidate starts or
   * runs the step (the transformer's cpu, whose one step takes a minute).
   */
  fallback?: BackendName[];
  /**
   * For 'auto': a choice timed before (the Train step's estimate; the backend a resumed run ran
   * on), taken again without timing while its backend still starts.
   */
  chosen?: BackendChoice;
  /** Set the backend that was set before the job again when it ends (it may be one the job chose). */
  restore?: boolean;
  /** For 'auto': a cancel stops the timing before the next candidate (a step in flight finishes). */
  signal?: AbortSignal;
}

/**
 * Runs `job` alone, on the backend `request` chooses (see the top of this file); tells it which
 * backend runs it and, for 'auto', what each candidate's step took.
 */
export function withBackend<T>(request: BackendJobRequest, job: (choice: BackendChoice) => Promise<T>, opts: BackendOptions = {}): Promise<T> {
  return exclusive(async () => {
    patchCpuKernels();
    const before = opts.restore ? (await tf.ready(), tf.getBackend()) : undefined;
    let choice: BackendChoice;
    if (request === 'current') {
      await tf.ready();
      choice = { backend: tf.getBackend() as BackendName, timings: {} };
    } else if (request === 'auto') {
      if (opts.chosen && await tf.setBackend(opts.chosen.backend).catch(() => false)) {
        await tf.ready();
        choice = opts.chosen;
      } else {
        if (!opts.trial) throw new Error('withBackend: auto needs a trial step to time');
        choice = await fastest(opts.trial, opts.candidates, opts.fallback, opts.signal);
      }
    } else if (typeof request !== 'string') {
      choice = { backend: await firstThatStarts(request), timings: {} };
    } else {
      const ok = tf.findBackendFactory(request) ? await tf.setBackend(request).catch(() => false) : false;
      if (!ok) throw new UserError('backend-unavailable', `The ${request} backend is not available here.`, `Choose one of: ${(await probe(ALL_BACKENDS)).join(', ')}.`);
      choice = { backend: request, timings: {} };
    }
    try {
      return await job(choice);
    } finally {
      if (before && tf.getBackend() !== before) await tf.setBackend(before);
    }
  });
}

async function firstThatStarts(preference: readonly BackendName[]): Promise<BackendName> {
  for (const b of preference) {
    if (tf.findBackendFactory(b) && await tf.setBackend(b).catch(() => false)) {
      await tf.ready();
      return b;
    }
  }
  throw new UserError('backend-unavailable', `None of the tfjs backends ${preference.join(', ')} could start here.`, `Choose one of: ${(await probe(ALL_BACKENDS)).join(', ')}.`);
}

async function fastest(trial: NonNullable<BackendOptions['trial']>, candidates?: BackendName[], fallback: BackendName[] = [], signal?: AbortSignal): Promise<BackendChoice> {
  const timings: BackendChoice['timings'] = {};
  for (const b of await probe(candidates ?? ALL_BACKENDS)) {
    throwIfAborted(signal);
    await tf.setBackend(b);
    let t: StepTrial | undefined;
    try {
      t = await trial();
      await t.step(); // warm-up: shader compilation, kernel setup
      const t0 = performance.now();
      await t.step();
      timings[b] = performance.now() - t0;
    } catch {
      timings[b] = null; // e.g. wasm has no gradient for embedding lookups
    } finally {
      t?.dispose();
    }
  }
  throwIfAborted(signal);
  const best = (Object.entries(timings) as [BackendName, number | null][])
    .filter(([, ms]) => ms !== null)
    .sort((a, b) => a[1]! - b[1]!)[0];
  if (best) {
    await tf.setBackend(best[0]);
    return { backend: best[0], timings };
  }
  for (const b of fallback) {
    if (tf.findBackendFactory(b) && await tf.setBackend(b).catch(() => false)) {
      await tf.ready();
      return { backend: b, timings };
    }
  }
  throw new Error('No tfjs backend could run a training step.');
}
