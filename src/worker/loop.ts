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
import { RUN_IN_ANOTHER_TAB, withLoopLock } from '../core/loop/tab-lock.js';
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

interface Follower { onEvent?: (e: LoopEvent) => void; onProgress?: (p: Progress) => void }
interface Live { ac: AbortController; result: Promise<LoopResult>; followers: Set<Follower> }
const running = new Map<string, Live>();

export const loopApi = {
  /**
   * Runs (or resumes) the loop `config.runId`. If that run is already going in this worker (the
   * Synthesize step was left and shown again, and asks to resume it), the caller follows it
   * instead: two loops on one run would send every request twice and overwrite each other's
   * checkpoint, and a cancel would stop only one of them.
   */
  async run(config: LoopConfig, data: LoopData, teacher: LoopTeacher, onEvent?: (e: LoopEvent) => void, onProgress?: (p: Progress) => void): Promise<LoopResult> {
    const follower: Follower = { onEvent, onProgress };
    let live = running.get(config.runId);
    if (!live) {
      const followers = new Set<Follower>();
      const ac = new AbortController();
      const result = runOnce(config, data, teacher, ac.signal, {
        onEvent: (e) => followers.forEach((f) => f.onEvent?.(e)),
        onProgress: (p) => followers.forEach((f) => f.onProgress?.(p)),
      }).finally(() => running.delete(config.runId));
      live = { ac, result, followers };
      running.set(config.runId, live);
    }
    live.followers.add(follower);
    try {
      return await live.result;
    } finally {
      live.followers.delete(follower);
    }
  },
  /** Stops a run after its current step; everything finished so far stays saved. */
  cancel(runId: string): void {
    running.get(runId)?.ac.abort();
  },
};

/** The run, unless another tab runs this project's loop already (core/loop/tab-lock.ts). */
async function runOnce(config: LoopConfig, data: LoopData, teacher: LoopTeacher, signal: AbortSignal, events: Follower): Promise<LoopResult> {
  return withLoopLock(config.projectId, () => runLocked(config, data, teacher, signal, events), () => ({ ok: false, error: { ...RUN_IN_ANOTHER_TAB } }));
}

async function runLocked(config: LoopConfig, data: LoopData, teacher: LoopTeacher, signal: AbortSignal, events: Follower): Promise<LoopResult> {
  const { onEvent, onProgress } = events;
  const store = await IdbStore.open();
  try {
    if (!(await store.getRun(config.runId))) validateSetup(config, data);
    await probeTeacher(teacher.baseURL, { apiKey: teacher.apiKey, signal });
    const client = new TeacherClient({ baseURL: teacher.baseURL, model: teacher.model, apiKey: teacher.apiKey });
    // The loop's students are small heads over 100-d word vectors: the CPU backend trains them
    // quickly and never shares a GPU device with the Train step (under SwiftShader a WebGPU
    // buffer mapped from here failed with "no valid external Instance"). Train sets its own.
    await tf.setBackend('cpu');
    await tf.ready();
    const encoder = new GloveEncoder(await appWordVectors(), { pooling: 'mean' });
    const synthesize = teacherSynthesize({ client, options: { concurrency: teacher.concurrency ?? 4 }, seed: config.seed });
    const state = await runLoop(config, data, {
      store, signal, onEvent, onProgress,
      deps: {
        // Each synthesis progress event names its job: the page sums the counts per job.
        synthesize: (job, o) => synthesize(job, { ...o, onProgress: o.onProgress && ((p) => o.onProgress!({ ...p, detail: { ...p.detail, jobId: job.jobId } })) }),
        ...headStudent({ encoder }, store),
      },
    });
    return { ok: true, summary: loopSummary(state) };
  } catch (e) {
    // Only a cancel the user asked for is a cancel: an IndexedDB transaction abort is also an AbortError.
    if (isAbortError(e) && signal.aborted) return { ok: false, cancelled: true };
    if (isUserError(e)) return { ok: false, error: { code: e.code, message: e.message, hint: e.hint } };
    throw e;
  } finally {
    await store.close();
  }
}
