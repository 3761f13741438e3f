/**
 * Backend choice for training: probe what this runtime offers, time one training step on each
 * that works (WebGPU is not always fastest, and some backends lack gradient kernels), pick the
 * fastest, honour a user override, and report which one ran.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.js';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const ALL_BACKENDS: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

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
      const { x, segmentIds } = inputs as unknown as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
      const cpu = backend as unknown as { data: { get(id: unknown): { values: ArrayLike<number> } }; makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo };
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

/** Backends this runtime can initialise (each is tried, not assumed). */
export async function availableBackends(candidates: BackendName[] = ALL_BACKENDS): Promise<BackendName[]> {
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
 * Sets the backend for training. With `override`, uses exactly that one (a UserError if it cannot
 * start); otherwise times `step` (one representative training step) on each available backend.
 */
export async function chooseBackend(step: () => Promise<void>, opts: { override?: BackendName; candidates?: BackendName[] } = {}): Promise<BackendChoice> {
  patchCpuKernels();
  if (opts.override) {
    const ok = tf.findBackendFactory(opts.override) ? await tf.setBackend(opts.override).catch(() => false) : false;
    if (!ok) throw new UserError('backend-unavailable', `The ${opts.override} backend is not available here.`, `Choose one of: ${(await availableBackends()).join(', ')}.`);
    return { backend: opts.override, timings: {} };
  }
  const timings: BackendChoice['timings'] = {};
  for (const b of await availableBackends(opts.candidates)) {
    await tf.setBackend(b);
    try {
      await step(); // warm-up: shader compilation, kernel setup
      const t = performance.now();
      await step();
      timings[b] = performance.now() - t;
    } catch {
      timings[b] = null; // e.g. wasm has no gradient for embedding lookups
    }
  }
  const best = (Object.entries(timings) as [BackendName, number | null][])
    .filter(([, ms]) => ms !== null)
    .sort((a, b) => a[1]! - b[1]!)[0];
  if (!best) throw new Error('No tfjs backend could run a training step.');
  await tf.setBackend(best[0]);
  return { backend: best[0], timings };
}
