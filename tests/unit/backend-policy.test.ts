/**
 * The tfjs backend has one owner (core/student/backend.ts): jobs that run tensors go one at a time
 * and only a starting job may switch the backend, so a training run never has it switched under
 * it by another job of the same worker (the Train step and the synthesis loop share one). The
 * sentence encoder goes through the same policy: its load and each encode are jobs.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { isUserError } from '../../src/core/errors.js';
import { withBackend } from '../../src/core/student/backend.js';
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
