/**
 * The worker's `loop` namespace: the project's synthesis run in the browser, with the same core
 * as the CLI (core/projects/synthesis.ts). Everything is checkpointed in IndexedDB, so after a
 * reload `run` with the same config resumes. A failure the user can act on throws a UserError,
 * a cancel an AbortError; both reach the page as such (protocol.ts).
 */
import type { LoopConfig } from '../core/loop/config.js';
import type { LoopEvent } from '../core/loop/events.js';
import type { LoopSummary } from '../core/loop/report.js';
import { RUN_IN_ANOTHER_TAB, withLoopLock } from '../core/loop/tab-lock.js';
import { loopStudent } from '../core/loop/students.js';
import { estimateSynthesisTraining, runSynthesis, type SynthesisTrainingEstimate, type TeacherEndpoint } from '../core/projects/synthesis-run.js';
import { isAbortError, UserError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import type { TransformerFeatures } from '../core/student/student.js';
import { IdbStore } from '../core/store/idb.js';
import { appWordVectors, loadedPretrained } from './encode.js';
import { jobs } from './protocol.js';

interface Follower { onEvent?: (e: LoopEvent) => void; onProgress?: (p: Progress) => void }
interface Live { result: Promise<LoopSummary>; followers: Set<Follower> }
const running = new Map<string, Live>();

export const loopApi = {
  /**
   * Runs (or resumes) the project's run `config.runId`. If that run is already going in this
   * worker (the Synthesize step was left and shown again, and asks to resume it), the caller
   * follows it instead: two loops on one run would send every request twice and overwrite each
   * other's checkpoint, and a cancel would stop only one of them. `worker().cancel(runId)` stops it
   * after its current step; everything finished so far stays saved.
   */
  async run(config: LoopConfig, teacher: TeacherEndpoint, onEvent?: (e: LoopEvent) => void, onProgress?: (p: Progress) => void): Promise<LoopSummary> {
    const follower: Follower = { onEvent, onProgress };
    let live = running.get(config.runId);
    if (!live) {
      const followers = new Set<Follower>();
      const signal = jobs.start(config.runId);
      const result = runOnce(config, teacher, signal, {
        onEvent: (e) => followers.forEach((f) => f.onEvent?.(e)),
        onProgress: (p) => followers.forEach((f) => f.onProgress?.(p)),
      }).finally(() => { running.delete(config.runId); jobs.end(config.runId); });
      live = { result, followers };
      running.set(config.runId, live);
    }
    live.followers.add(follower);
    try {
      return await live.result;
    } finally {
      live.followers.delete(follower);
    }
  },

  /**
   * How long the run's Accurate student trains here: one step measured on the backend the run
   * takes, scaled to its rounds (core/projects/synthesis-run.ts). `worker().cancel(jobId)` stops it.
   */
  async estimate(config: LoopConfig, jobId: string): Promise<SynthesisTrainingEstimate> {
    const signal = jobs.start(jobId);
    const store = await IdbStore.open();
    try {
      return await estimateSynthesisTraining(store, config, transformer(), { signal });
    } finally {
      jobs.end(jobId);
      await store.close();
    }
  },
};

/** The pretrained transformer the Accurate student starts from, or the UserError that says what to do. */
function transformer(): TransformerFeatures {
  const base = loadedPretrained();
  if (!base) throw new UserError('transformer-not-loaded', 'The Accurate student needs the pretrained transformer, and it is not loaded.', 'Load it on the Synthesize step (Load the transformer), or start over with the Fast student. Everything the run made so far is kept.');
  return { kind: 'transformer', base };
}

/**
 * The student the run's rounds train. Accurate: the transformer fine-tuned whole in every round
 * (no cheaper student for intermediate rounds: none was measured to find the same errors), each
 * optimizer step reported as a 'train-step' progress; each training checkpoints its epochs, so a
 * reload mid-round continues that round's training from its last finished epoch (a round cut off
 * before its first epoch ended starts it again); only the best round's student stays stored.
 */
async function studentFor(config: LoopConfig, onProgress?: (p: Progress) => void) {
  if (config.student?.kind !== 'transformer') {
    // The same student as `distillery run`: the word model with the loop's settings (defaults.ts).
    return loopStudent({ kind: 'words', wv: await appWordVectors() });
  }
  return loopStudent(transformer(), {
    backend: config.student.backend, checkpoints: true, keepModels: 'best',
    onStep: (r) => onProgress?.({ phase: 'train-step', done: r.steps, total: r.maxSteps, detail: { ...r } }),
  });
}

/** The run, unless another tab runs this project's loop already (core/loop/tab-lock.ts). */
async function runOnce(config: LoopConfig, teacher: TeacherEndpoint, signal: AbortSignal, events: Follower): Promise<LoopSummary> {
  const busy = (): LoopSummary => { throw new UserError(RUN_IN_ANOTHER_TAB.code, RUN_IN_ANOTHER_TAB.message, RUN_IN_ANOTHER_TAB.hint); };
  return withLoopLock(config.projectId, async () => {
    const student = await studentFor(config, events.onProgress);
    const store = await IdbStore.open();
    try {
      return await runSynthesis(store, config, { teacher, signal, onEvent: events.onEvent, onProgress: events.onProgress, student });
    } catch (e) {
      // Only a cancel the user asked for is a cancel: an IndexedDB transaction abort is also an AbortError.
      if (isAbortError(e) && !signal.aborted) throw new Error(`The browser's storage stopped a write: ${(e as Error).message}`);
      throw e;
    } finally {
      await store.close();
    }
  }, busy);
}
