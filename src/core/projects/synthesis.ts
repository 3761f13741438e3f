/**
 * Run and adopt a synthesis: the Synthesize step's use case. A project's synthesis run is the
 * distillation loop on the project itself (core/loop): it reads the project's seeds, validation
 * and unlabeled texts, and what the teacher makes goes into the project, settled after each round
 * (loop/adopt.ts: duplicates go, unlabeled texts the teacher labels become labeled examples).
 * Here: the run's config from the step's settings, starting a run (the last one's examples are
 * settled for good first), stopping it for good, and what the store holds of it for a view that
 * starts following it (per job, from the teacher's journal). Running it is synthesis-run.ts, apart
 * so the page never loads the teacher's client.
 */
import { sameTextKey } from '../dataset/hash.js';
import type { Example } from '../dataset/example.js';
import type { Store } from '../store/store.js';
import { adoptRun, type Adopted } from '../loop/adopt.js';
import { getLoopRun, loopTrainingKeys } from '../loop/checkpoint.js';
import { LOOP_DEFAULTS, type LoopConfig } from '../loop/config.js';
import { jobCounts, type JobCounts } from '../loop/journal.js';
import type { LoopState } from '../loop/state.js';
import { synthStudent, type SavedSynth, type SynthSettings } from './settings.js';

/** The run's config; the same settings give the same config, which is what lets a run resume. */
export function synthesisConfig(projectId: string, runId: string, s: SynthSettings, teacherModel: string): LoopConfig {
  const used = Object.entries(s.mix).filter(([, w]) => w > 0);
  return {
    ...LOOP_DEFAULTS, runId, projectId, teacherModel,
    strategy: 'mix', mix: Object.fromEntries(used), rounds: s.rounds, budget: s.budget, price: { ...s.price },
    // Only when Accurate: a Fast run's config stays what it was before the choice existed.
    ...(synthStudent(s) === 'transformer' ? { student: { kind: 'transformer' as const, backend: s.backend ?? 'auto' } } : {}),
  };
}

export async function savedSynthesis(store: Store, projectId: string): Promise<SavedSynth | undefined> {
  return (await store.getProject(projectId))?.settings.synth;
}

export async function saveSynthesis(store: Store, projectId: string, synth: SavedSynth): Promise<void> {
  const project = await store.getProject(projectId);
  if (project) await store.putProject({ ...project, updatedAt: new Date().toISOString(), settings: { ...project.settings, synth } });
}

/** What the teacher put into a project's training data, by earlier runs: what "Start over" asks about. */
export interface TeacherExamples {
  /** Examples the teacher wrote (generated, extrapolated, and its copies of texts it labeled). */
  made: number;
  /** The user's own texts (unlabeled ones) that the teacher labeled. */
  labeled: number;
}

/** The teacher wrote it: its id is its request's (`<request id>:<n>`); a user's row the teacher labeled keeps its own id. */
const madeByTeacher = (e: Example) => e.provenance.requestId !== undefined && e.id.startsWith(`${e.provenance.requestId}:`);
const labeledByTeacher = (e: Example) => e.provenance.requestId !== undefined && !madeByTeacher(e);

/**
 * The teacher's share of the project's training data. Only training rows: a row the user moved to
 * validation or test is theirs to judge, and starting over leaves it where it is.
 */
export async function teacherExamples(store: Store, projectId: string): Promise<TeacherExamples> {
  const all = await store.listExamples(projectId);
  const train = all.filter((e) => e.split === 'train');
  // A stopped run's examples are not settled yet: a teacher row with the text of an unlabeled row
  // is that row, labeled, once settled (loop/adopt.ts), so it is counted as one now.
  const unlabeled = new Set(all.filter((e) => e.split === 'unlabeled').map((e) => sameTextKey(e.text)));
  const made = train.filter(madeByTeacher);
  const labelsUnlabeled = made.filter((e) => unlabeled.has(sameTextKey(e.text))).length;
  return { made: made.length - labelsUnlabeled, labeled: train.filter(labeledByTeacher).length + labelsUnlabeled };
}

/**
 * Takes the teacher's work out of the project: what it wrote is deleted, and the user's texts it
 * labeled go back to being unlabeled texts from their file. Seeds, the user's own labels and
 * validation or test rows stay as they are. Resolves to what it took out.
 */
export async function removeTeacherExamples(store: Store, projectId: string, now = new Date().toISOString()): Promise<TeacherExamples> {
  const train = await store.listExamples(projectId, { split: 'train' });
  const made = train.filter(madeByTeacher);
  const back = train.filter(labeledByTeacher).map((e): Example => ({
    ...e, label: null, split: 'unlabeled',
    provenance: { source: 'seed', round: 0, createdAt: now, ...(e.provenance.file !== undefined ? { file: e.provenance.file } : {}), ...(e.provenance.row !== undefined ? { row: e.provenance.row } : {}) },
  }));
  // The user's texts first: a crash in between leaves teacher rows the next call removes, never a lost text.
  if (back.length) await store.putExamples(projectId, back);
  if (made.length) await store.deleteExamples(projectId, made.map((e) => e.id));
  return { made: made.length, labeled: back.length };
}

/** What "Start over" does with the examples earlier runs put into the project. */
export type EarlierExamples = 'keep' | 'remove';

/**
 * A new run of the project. What the last run made (stopped halfway included) is settled into the
 * project for good (it will not be resumed); then, as the user chose, the teacher's examples of
 * earlier runs stay (the new run adds to them and leaves out texts the project has) or are taken
 * out (removeTeacherExamples). Either way the new run's budget counts only its own examples.
 */
export async function startSynthesis(store: Store, projectId: string, settings: SynthSettings, now = Date.now(), earlier: EarlierExamples = 'keep'): Promise<SavedSynth> {
  const last = await savedSynthesis(store, projectId);
  if (last) await settleSynthesis(store, projectId, last.runId);
  if (earlier === 'remove') await removeTeacherExamples(store, projectId, new Date(now).toISOString());
  const saved: SavedSynth = { runId: `${projectId}:synth:${now.toString(36)}`, settings };
  await saveSynthesis(store, projectId, saved);
  return saved;
}

/**
 * Settles everything run `runId` made into the project (a cancel: it will not be resumed), and
 * deletes what only a resume would have used: the epoch checkpoint of a round's training cut off
 * midway (an Accurate round's is a few hundred MB).
 */
export async function settleSynthesis(store: Store, projectId: string, runId: string): Promise<Adopted> {
  const adopted = await adoptRun(store, projectId, runId);
  const rounds = (await getLoopRun(store, runId))?.state.config.rounds ?? 0;
  for (const key of loopTrainingKeys(runId, rounds)) await store.deleteCheckpoint(key);
  return adopted;
}

export interface SynthesisRecord {
  state?: LoopState;
  /** What the teacher's journal holds per job of the run, in the order the jobs started. */
  jobs: Map<string, JobCounts>;
}

/** What the store holds of run `runId`: where a view's counters start when it follows the run. */
export async function synthesisRecord(store: Store, projectId: string, runId: string): Promise<SynthesisRecord> {
  const state = (await getLoopRun(store, runId))?.state;
  const jobs = new Map<string, JobCounts>();
  for (const job of state?.jobs ?? []) jobs.set(job.id, await jobCounts(store, projectId, job.id));
  return { state, jobs };
}

// ---- projects from before runs worked in the project itself ----------------------------------

/** Earlier versions kept a run's bookkeeping in a second project, `<project>~loop`. */
export const LEGACY_SHADOW_SUFFIX = '~loop';

export function isLegacyShadow(projectId: string): boolean {
  return projectId.endsWith(LEGACY_SHADOW_SUFFIX);
}

/**
 * Brings a legacy shadow project's teacher examples into the project (those it lacks, unlabeled
 * texts it labeled included), keeps its run's records with the project and deletes the shadow.
 * Resolves to whether there was one; an unfinished run of it cannot be resumed and is marked stopped.
 */
export async function adoptLegacyShadow(store: Store, projectId: string): Promise<boolean> {
  const shadowId = projectId + LEGACY_SHADOW_SUFFIX;
  if (!(await store.getProject(shadowId))) return false;
  const mine = await store.listExamples(projectId);
  const labeled = new Set(mine.filter((e) => e.label !== null).map((e) => sameTextKey(e.text)));
  const unlabeled = new Map(mine.filter((e) => e.split === 'unlabeled').map((e) => [sameTextKey(e.text), e]));
  const put: Example[] = [];
  for (const e of await store.listExamples(shadowId, { split: 'train' })) {
    if (e.provenance.source === 'seed') continue;
    const k = sameTextKey(e.text);
    if (labeled.has(k)) continue;
    labeled.add(k);
    const u = unlabeled.get(k);
    put.push(u ? { ...u, label: e.label, split: 'train', provenance: { ...e.provenance, file: u.provenance.file, row: u.provenance.row } } : e);
  }
  await store.putExamples(projectId, put);
  // Its run records move to the project, so Evaluate still shows the rounds they scored.
  for (const run of await store.listRuns(shadowId)) await store.putRun({ ...run, projectId });
  await store.deleteProject(shadowId);
  const saved = await savedSynthesis(store, projectId);
  if (saved && !saved.stopped) await saveSynthesis(store, projectId, { ...saved, stopped: 'cancelled' });
  return true;
}
