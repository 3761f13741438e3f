/**
 * The loop's `synthesize` over the real teacher (teacher/synthesize.ts): maps the loop's job onto a
 * SynthesisJob, retries a job once when some of its requests failed for good (the journal makes
 * the retry redo only those), and turns a teacher that keeps failing into a UserError the run can
 * be resumed from.
 */
import { UserError } from '../errors.js';
import type { Example } from '../dataset/example.js';
import type { TeacherClient } from '../teacher/client.js';
import type { SynthesisOptions } from '../teacher/job.js';
import { synthesize } from '../teacher/synthesize.js';
import { shuffled } from '../dataset/split.js';
import type { LoopDeps } from './deps.js';

export interface TeacherDepsOptions {
  client: TeacherClient;
  /** One sentence on what is classified, shown to the teacher. */
  task?: string;
  options?: SynthesisOptions;
  /** Shuffles the unlabeled pool so "the first n" is a fair sample of a file sorted by class. */
  seed?: number;
}

const labeled = (xs: Example[]) => xs.map((e) => ({ text: e.text, label: e.label! }));

export function teacherSynthesize(t: TeacherDepsOptions): LoopDeps['synthesize'] {
  return async (job, { store, signal, onProgress }) => {
    const sj = {
      projectId: job.projectId, jobId: job.jobId, strategy: job.strategy, round: job.round, n: job.n,
      labels: job.labels, seeds: labeled(job.seeds), task: t.task, avoidTexts: job.avoidTexts, options: t.options,
      unlabeled: job.unlabeled ? shuffled(job.unlabeled, t.seed ?? 1).map((e) => e.text) : undefined,
      errors: job.errors?.map((e) => ({ text: e.text, trueLabel: e.label, predictedLabel: e.predicted })),
    };
    let summary = await synthesize(sj, { client: t.client, store, signal, onProgress });
    if (summary.stopReason === 'incomplete') summary = await synthesize(sj, { client: t.client, store, signal, onProgress });
    if (summary.stopReason === 'teacher-failing') {
      throw new UserError('teacher-failing', `The teacher kept failing while ${job.round === 0 ? `making the first examples (${job.strategy})` : `fixing round ${job.round}'s mistakes`}${summary.lastError ? `: ${summary.lastError}` : ''}.`, 'Check the teacher server, then run the same command again: the run resumes where it stopped.');
    }
    return { accepted: summary.accepted, rejected: summary.rejected };
  };
}
