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
import { getLoopRun } from '../loop/checkpoint.js';
import { LOOP_DEFAULTS, type LoopConfig } from '../loop/config.js';
import { jobCounts, type JobCounts } from '../loop/journal.js';
import type { LoopState } from '../loop/state.js';
import type { SavedSynth, SynthSettings } from './settings.js';

/** The run's config; the same settings give the same config, which is what lets a run resume. */
export function synthesisConfig(projectId: string, runId: string, s: SynthSettings, teacherModel: string): LoopConfig {
  const used = Object.entries(s.mix).filter(([, w]) => w > 0);
  return {
    ...LOOP_DEFAULTS, runId, projectId, teacherModel,
    strategy: 'mix', mix: Object.fromEntries(used), rounds: s.rounds, budget: s.budget, price: { ...s.price },
  };
}

export async function savedSynthesis(store: Store, projectId: string): Promise<SavedSynth | undefined> {
  return (await store.getProject(projectId))?.settings.synth;
}

export async function saveSynthesis(store: Store, projectId: string, synth: SavedSynth): Promise<void> {
  const project = await store.getProject(projectId);
  if (project) await store.putProject({ ...project, updatedAt: new Date().toISOString(), settings: { ...project.settings, synth } });
}

/**
 * A new run of the project: what the last run made (stopped halfway included) is settled into the
 * project for good, so the new run's budget and rounds count only its own examples.
 */
export async function startSynthesis(store: Store, projectId: string, settings: SynthSettings, now = Date.now()): Promise<SavedSynth> {
  const last = await savedSynthesis(store, projectId);
  if (last) await adoptRun(store, projectId, last.runId);
  const saved: SavedSynth = { runId: `${projectId}:synth:${now.toString(36)}`, settings };
  await saveSynthesis(store, projectId, saved);
  return saved;
}

/** Settles everything run `runId` made into the project (a cancel: it will not be resumed). */
export function settleSynthesis(store: Store, projectId: string, runId: string): Promise<Adopted> {
  return adoptRun(store, projectId, runId);
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
