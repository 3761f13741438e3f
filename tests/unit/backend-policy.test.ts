/**
 * The tfjs backend has one owner (core/student/backend.ts): jobs that run tensors go one at a time
 * and only a starting job may switch the backend, so a training run never has it switched under
 * it by another job of the same worker (the Train step and the synthesis loop share one). The
 * sentence encoder goes through the same policy: its load and each encode are jobs.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { isUserError } from '../../src/core/errors.js';
import { withBackend, type BackendName, type StepTrial } from '../../src/core/student/backend.js';
import { TransformerEncoder } from '../../src/core/encode/transformer-encoder.js';
import { dirFiles } from '../../src/core/transformer/files-node.js';

describe('the backend policy', () => {
  it('starts a job that asks for another backend only after the running job ends', async () => {
    await import('@tensorflow/tfjs-backend-wasm'); // a second backend to switch to
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const a = withBackend('cpu', async ({ backend }) => {
      log.push(`a starts on ${backend}`);
      await gate;
      log.push(`a ends on ${tf.getBackend()}`);
    });
    const b = withBackend('wasm', async ({ backend }) => { log.push(`b runs on ${backend}`); });
    const current = withBackend('current', async ({ backend }) => { log.push(`c runs on ${backend}`); });
    await new Promise((r) => setTimeout(r, 50));
    expect(log).toEqual(['a starts on cpu']);
    release();
    await Promise.all([a, b, current]);
    expect(log).toEqual(['a starts on cpu', 'a ends on cpu', 'b runs on wasm', 'c runs on wasm']);
    await withBackend('cpu', async () => undefined);
  });

  it('a failed job does not hold up the next, and an unknown backend is refused with the ones that work', async () => {
    await expect(withBackend('cpu', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    const err = await withBackend('webgl', async () => 'ran').catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('backend-unavailable');
    expect(await withBackend('cpu', async ({ backend }) => backend)).toBe('cpu');
  });
});

/**
 * A fake trial: its step takes `ms[backend]` (set when it was made), and it records on which
 * backends it was set up, stepped and freed.
 */
function fakeTrial(ms: Partial<Record<BackendName, number>>) {
  const log: string[] = [];
  const trial = (): StepTrial => {
    const on = tf.getBackend() as BackendName;
    log.push(`setup ${on}`);
    return {
      step: async () => {
        if (tf.getBackend() !== on) throw new Error(`stepped on ${tf.getBackend()}, set up on ${on}`);
        log.push(`step ${on}`);
        await new Promise((r) => setTimeout(r, ms[on] ?? 0));
      },
      dispose: () => { log.push(`dispose ${on}`); },
    };
  };
  return { trial, log };
}

describe('the automatic choice', () => {
  it('times a warm-up and a step on every candidate that starts and keeps the fastest, not the first listed', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const { trial, log } = fakeTrial({ cpu: 60, wasm: 5 });
    const choice = await withBackend('auto', async (c) => ({ ...c, set: tf.getBackend() }), { trial, candidates: ['webgpu', 'cpu', 'wasm'] });
    expect(choice.backend).toBe('wasm');
    expect(choice.set).toBe('wasm');
    expect(Object.keys(choice.timings).sort()).toEqual(['cpu', 'wasm']); // webgpu does not start in Node: not timed
    expect(choice.timings.cpu!).toBeGreaterThan(choice.timings.wasm!);
    // Each candidate's trial is made on it, stepped twice (warm-up, timed) and freed before the next.
    expect(log).toEqual(['setup cpu', 'step cpu', 'step cpu', 'dispose cpu', 'setup wasm', 'step wasm', 'step wasm', 'dispose wasm']);
  });

  it('a fallback is neither timed nor taken while a candidate starts, and is taken untimed when none does', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const first = fakeTrial({ wasm: 5 });
    const c1 = await withBackend('auto', async (c) => c, { trial: first.trial, candidates: ['webgpu', 'webgl', 'wasm'], fallback: ['cpu'] });
    expect(c1.backend).toBe('wasm');
    expect(Object.keys(c1.timings)).toEqual(['wasm']);
    expect(first.log.some((l) => l.includes('cpu'))).toBe(false);

    const none = fakeTrial({});
    const c2 = await withBackend('auto', async (c) => [c, tf.getBackend()], { trial: none.trial, candidates: ['webgpu', 'webgl'], fallback: ['cpu'] });
    expect(c2).toEqual([{ backend: 'cpu', timings: {} }, 'cpu']);
    expect(none.log).toEqual([]);

    // A candidate that cannot run the step (a missing kernel) counts as failed, and the fallback is taken.
    const failing = (): StepTrial => ({ step: async () => { throw new Error("Kernel 'X' not registered for backend 'wasm'"); }, dispose: () => undefined });
    expect(await withBackend('auto', async (c) => c, { trial: failing, candidates: ['wasm'], fallback: ['cpu'] })).toEqual({ backend: 'cpu', timings: { wasm: null } });
  });

  it('a choice timed before is taken as it is, not timed again, while its backend starts', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    await withBackend('cpu', async () => undefined);
    const { trial, log } = fakeTrial({ cpu: 5, wasm: 5 });
    const chosen = { backend: 'wasm' as const, timings: { wasm: 412, webgpu: 38_000 } };
    expect(await withBackend('auto', async (c) => [c, tf.getBackend()], { trial, chosen })).toEqual([chosen, 'wasm']);
    expect(log).toEqual([]);
    // One that no longer starts (the GPU went away after a reload) is timed anew among the rest.
    const gone = await withBackend('auto', async (c) => c, { trial, candidates: ['cpu', 'wasm'], chosen: { backend: 'webgpu', timings: { webgpu: 90 } } });
    expect(Object.keys(gone.timings).sort()).toEqual(['cpu', 'wasm']);
  });
});

describe('the backend policy and the sentence encoder', () => {
  it('a preference list starts the first backend that works; restore puts back the one set before', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    await withBackend('cpu', async () => undefined);
    // No webgl in Node: the next in the list starts.
    expect(await withBackend(['webgl', 'wasm', 'cpu'], async ({ backend }) => [backend, tf.getBackend()])).toEqual(['wasm', 'wasm']);
    await withBackend('cpu', async () => undefined);
    expect(await withBackend('wasm', async () => tf.getBackend(), { restore: true })).toBe('wasm');
    expect(tf.getBackend()).toBe('cpu');
    const err = await withBackend(['webgl', 'webgpu'], async () => 'ran').catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('backend-unavailable');
  });

  it('an encode waits for a running job, runs on the backend the encoder\'s weights live on, and leaves the job\'s backend set', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const encoder = await TransformerEncoder.load(await dirFiles('tests/fixtures/tiny-bert'), { backends: ['wasm'] });
    expect(encoder.backend).toBe('wasm');
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const job = withBackend('cpu', async () => {
      await gate;
      log.push(`job ends on ${tf.getBackend()}`);
    });
    const encoded = encoder.encode(['a fine film', 'a dull one']).then((v) => { log.push('encoded'); return v; });
    await new Promise((r) => setTimeout(r, 50));
    // Before the policy owned it, encode switched the backend to wasm under the running cpu job.
    expect(log).toEqual([]);
    expect(tf.getBackend()).toBe('cpu');
    release();
    const [, vectors] = await Promise.all([job, encoded]);
    expect(log).toEqual(['job ends on cpu', 'encoded']);
    expect(vectors).toHaveLength(2);
    expect(tf.getBackend()).toBe('cpu');
    await encoder.dispose();
  });
});
