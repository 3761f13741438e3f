/**
 * The worker's `loop` namespace: the distillation run in the browser, with the same core as the
 * CLI. Everything is checkpointed in IndexedDB, so after a reload `run` with the same config
 * resumes. UserErrors come back as values (Comlink keeps only message and name of errors).
 */
import * as tf from '@tensorflow/tfjs';
import { isAbortError, isUserError } from '../core/errors.js';
import { GloveEncoder } from '../core/encode/glove.js';
import type { LoopConfig } from '../core/loop/config.js';
import type { LoopEvent } from '../core/loop/events.js';
import { loopSummary, type LoopSummary } from '../core/loop/report.js';
import { runLoop } from '../core/loop/run.js';
import { headStudent } from '../core/loop/student.js';
import { teacherSynthesize } from '../core/loop/teacher.js';
import { probeTeacher, validateSetup, type LoopData } from '../core/loop/validate.js';
import type { Progress } from '../core/progress.js';
import { IdbStore } from '../core/store/idb.js';
import { TeacherClient } from '../core/teacher/client.js';
import { appWordVectors } from './encode.js';

export interface LoopTeacher { baseURL: string; model: string; apiKey?: string; concurrency?: number }
export type LoopResult =
  | { ok: true; summary: LoopSummary }
  | { ok: false; cancelled?: boolean; error?: { code: string; message: string; hint?: string } };

const running = new Map<string, AbortController>();

export const loopApi = {
  async run(config: LoopConfig, data: LoopData, teacher: LoopTeacher, onEvent?: (e: LoopEvent) => void, onProgress?: (p: Progress) => void): Promise<LoopResult> {
    const ac = new AbortController();
    running.set(config.runId, ac);
    const store = await IdbStore.open();
    try {
      if (!(await store.getRun(config.runId))) validateSetup(config, data);
      await probeTeacher(teacher.baseURL, { apiKey: teacher.apiKey, signal: ac.signal });
      const client = new TeacherClient({ baseURL: teacher.baseURL, model: teacher.model, apiKey: teacher.apiKey });
      // The loop's students are small heads over 100-d word vectors: the CPU backend trains them
      // quickly and never shares a GPU device with the Train step (under SwiftShader a WebGPU
      // buffer mapped from here failed with "no valid external Instance"). Train sets its own.
      await tf.setBackend('cpu');
      await tf.ready();
      const encoder = new GloveEncoder(await appWordVectors(), { pooling: 'mean' });
      const state = await runLoop(config, data, {
        store, signal: ac.signal, onEvent, onProgress,
        deps: { synthesize: teacherSynthesize({ client, options: { concurrency: teacher.concurrency ?? 4 }, seed: config.seed }), ...headStudent({ encoder }, store) },
      });
      return { ok: true, summary: loopSummary(state) };
    } catch (e) {
      // Only a cancel the user asked for is a cancel: an IndexedDB transaction abort is also an AbortError.
      if (isAbortError(e) && ac.signal.aborted) return { ok: false, cancelled: true };
      if (isUserError(e)) return { ok: false, error: { code: e.code, message: e.message, hint: e.hint } };
      throw e;
    } finally {
      running.delete(config.runId);
      await store.close();
    }
  },
  /** Stops a run after its current step; everything finished so far stays saved. */
  cancel(runId: string): void {
    running.get(runId)?.abort();
  },
};
