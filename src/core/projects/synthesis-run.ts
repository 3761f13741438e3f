/**
 * Running (or resuming) a project's synthesis run: the teacher client, the loop and the student,
 * wired. The worker calls it; the page only follows (synthesis.ts holds what it may import).
 */
import { throwIfAborted } from '../errors.js';
import type { LongOpOptions } from '../progress.js';
import type { Store } from '../store/store.js';
import { getLoopRun } from '../loop/checkpoint.js';
import type { LoopConfig } from '../loop/config.js';
import type { LoopDeps } from '../loop/deps.js';
import type { LoopEvent } from '../loop/events.js';
import { loopRoles } from '../loop/prepare.js';
import { loopSummary, type LoopSummary } from '../loop/report.js';
import { runLoop } from '../loop/run.js';
import { teacherSynthesize } from '../loop/teacher.js';
import { validateSetup } from '../loop/validate.js';
import { TeacherClient } from '../teacher/client.js';
import { teacherModels } from '../teacher/endpoint.js';

export interface TeacherEndpoint {
  baseURL: string;
  model: string;
  apiKey?: string;
  concurrency?: number;
}

export interface RunSynthesisOptions extends LongOpOptions {
  teacher: TeacherEndpoint;
  /** The student the rounds train (loop/students.ts). */
  student: Pick<LoopDeps, 'train' | 'load'>;
  onEvent?: (e: LoopEvent) => void;
}

/**
 * Runs (or resumes) the project's run `config.runId`. A setup that cannot work is refused before
 * the teacher is asked anything; progress of synthesis names its job (`detail.jobId`).
 */
export async function runSynthesis(store: Store, config: LoopConfig, options: RunSynthesisOptions): Promise<LoopSummary> {
  const { teacher, signal } = options;
  if (!(await getLoopRun(store, config.runId))) validateSetup(config, await loopRoles(store, config.projectId));
  await teacherModels(teacher.baseURL, { apiKey: teacher.apiKey, signal });
  throwIfAborted(signal);
  const client = new TeacherClient({ baseURL: teacher.baseURL, model: teacher.model, apiKey: teacher.apiKey });
  const synthesize = teacherSynthesize({ client, options: { concurrency: teacher.concurrency ?? 4 }, seed: config.seed });
  const state = await runLoop(config, undefined, {
    store, signal, onEvent: options.onEvent, onProgress: options.onProgress,
    deps: {
      synthesize: (job, o) => synthesize(job, { ...o, onProgress: o.onProgress && ((p) => o.onProgress!(p.phase === 'synthesize' ? { ...p, detail: { ...p.detail, jobId: job.jobId } } : p)) }),
      ...options.student,
    },
  });
  return loopSummary(state);
}

