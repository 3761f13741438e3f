/**
 * The tfjs backend has one owner (core/student/backend.ts): jobs that run tensors go one at a time
 * and only a starting job may switch the backend, so a training run never has it switched under
 * it by another job of the same worker (the Train step and the synthesis loop share one).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { isUserError } from '../../src/core/errors.js';
import { withBackend } from '../../src/core/student/backend.js';

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
