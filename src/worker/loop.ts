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
import { runSynthesis, type TeacherEndpoint } from '../core/projects/synthesis-run.js';
import { isAbortError, UserError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import { IdbStore } from '../core/store/idb.js';
import { appWordVectors } from './encode.js';
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
};

/** The run, unless another tab runs this project's loop already (core/loop/tab-lock.ts). */
async function runOnce(config: LoopConfig, teacher: TeacherEndpoint, signal: AbortSignal, events: Follower): Promise<LoopSummary> {
  const busy = (): LoopSummary => { throw new UserError(RUN_IN_ANOTHER_TAB.code, RUN_IN_ANOTHER_TAB.message, RUN_IN_ANOTHER_TAB.hint); };
  return withLoopLock(config.projectId, async () => {
    const store = await IdbStore.open();
    try {
      return await runSynthesis(store, config, {
        teacher, signal, onEvent: events.onEvent, onProgress: events.onProgress,
        // The same student as `distillery run`: the word model with the loop's settings (defaults.ts).
        student: loopStudent({ kind: 'words', wv: await appWordVectors() }),
      });
    } catch (e) {
      // Only a cancel the user asked for is a cancel: an IndexedDB transaction abort is also an AbortError.
      if (isAbortError(e) && !signal.aborted) throw new Error(`The browser's storage stopped a write: ${(e as Error).message}`);
      throw e;
    } finally {
      await store.close();
    }
  }, busy);
}
