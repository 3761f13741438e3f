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
import { planBudget } from '../loop/config.js';
import { validationHalves } from '../dataset/split.js';
import { estimateFineTuning, type TrainingEstimate } from '../student/finetune/estimate.js';
import type { TransformerFeatures } from '../student/student.js';

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

/** How long the Accurate student's training takes in a synthesis run, before it starts. */
export interface SynthesisTrainingEstimate {
  /** One training on the most texts a round trains on (seeds and the whole budget): the round that takes longest. */
  round: TrainingEstimate;
  /** Trainings in the run: the baseline on the seeds alone, round 0 and each extrapolation round. */
  trainings: number;
  /** All of them, each scaled by its texts (every planned epoch run; early stopping may end sooner). */
  runSeconds: number;
}

/**
 * One fine-tuning step measured on this machine (student/finetune/estimate.ts, as the Train step
 * does), scaled to the run's trainings. The teacher's examples do not exist yet: the seeds' texts
 * stand in for them, so their lengths (which decide a step's cost) are taken as the seeds'.
 */
export async function estimateSynthesisTraining(store: Store, config: LoopConfig, features: TransformerFeatures, opts: LongOpOptions = {}): Promise<SynthesisTrainingEstimate> {
  const roles = await loopRoles(store, config.projectId);
  validateSetup(config, roles);
  const seeds = roles.seeds;
  const val = roles.val ?? [];
  const select = config.rounds > 0 ? validationHalves(val).selection : val;
  const most = seeds.length + config.budget;
  const like = Array.from({ length: most }, (_, i) => seeds[i % seeds.length]!);
  const round = await estimateFineTuning(
    { texts: like.map((e) => e.text), labels: like.map((e) => e.label!) },
    { texts: select.map((e) => e.text), labels: select.map((e) => e.label!) },
    features, { signal: opts.signal, backend: config.student?.backend },
  );
  const plan = planBudget(config, !!roles.unlabeled?.length);
  const r0 = Object.values(plan.round0).reduce((a, n) => a + (n ?? 0), 0);
  const sizes = [seeds.length, seeds.length + r0, ...Array.from({ length: config.rounds }, (_, i) => seeds.length + r0 + Math.round((plan.extrapolation * (i + 1)) / config.rounds))];
  return { round, trainings: sizes.length, runSeconds: round.seconds * sizes.reduce((a, n) => a + n, 0) / most };
}
