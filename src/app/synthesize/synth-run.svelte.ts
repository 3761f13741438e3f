/**
 * The Synthesize step's run: starts the distillation loop for the open project in the worker
 * (`loop` namespace) with the saved teacher and the step's settings, follows its progress, and
 * brings teacher-made examples into the project so Review and Train see them.
 *
 * Why the loop gets a project of its own (`<project>~loop`): its first step writes the project
 * record and role-tagged copies of the seeds (train/val) into the project it is given. Doing that
 * in the user's project would rename it and train on every seed twice (once under the val copy).
 * So the loop keeps its bookkeeping apart, and only the accepted teacher examples are copied into
 * the user's project (same ids, so a second copy after a reload adds nothing).
 *
 * Pause is a cancel that keeps the run: the loop checkpoints every finished step and the teacher's
 * request journal records every finished request, so `run` again with the same config continues
 * without repeating or losing an example. The run id and whether the user paused it are kept in
 * the project's settings, so a reload shows the run and resumes it unless the user had paused it.
 */
import * as Comlink from 'comlink';
import type { Example } from '../../core/dataset/example';
import { LOOP_DEFAULTS, type LoopConfig } from '../../core/loop/config';
import { loopRunning, RUN_IN_ANOTHER_TAB } from '../../core/loop/tab-lock';
import { synthJobId } from '../../core/loop/run';
import type { LoopEvent } from '../../core/loop/events';
import type { LoopState } from '../../core/loop/state';
import type { LoopData } from '../../core/loop/validate';
import type { Progress } from '../../core/progress';
import { textHash } from '../../core/dataset/hash';
import { worker } from '../worker-client';
import type { loopApi } from '../../worker/loop';
import { store } from '../projects/projects';
import { loadTeacherSettings } from '../teacher/teacher-settings';
import { getKey } from '../teacher/key-store';
import { needsReloadFor, teacherOrigin } from '../flow/csp';
import { defaultSynthSettings, type SynthSettings, type SynthStatus } from './synth-settings';
import { runErrorText } from './run-errors';
import { RunCounters, noCounts, type JobCounts } from './run-counters';

/** What the project remembers about its synthesis run (no key, no teacher URL). */
export interface SavedSynth {
  runId: string;
  settings: SynthSettings;
  /** The user paused or cancelled it: do not resume on reload. */
  stopped?: 'paused' | 'cancelled';
  /** Rounds whose teacher examples were already copied into the project. */
  copiedRounds: number[];
  /** Failed teacher attempts by kind so far (the request journal keeps only final failures). */
  failures?: Record<string, number>;
}

const loopWorker = () => worker().loop as unknown as Comlink.Remote<typeof loopApi>;

export function loopProjectId(projectId: string): string {
  return `${projectId}~loop`;
}

/** The run's config; the same settings give the same config, which is what lets a run resume. */
export function loopConfig(projectId: string, runId: string, s: SynthSettings, model: string): LoopConfig {
  const used = Object.entries(s.mix).filter(([, w]) => w > 0);
  return {
    ...LOOP_DEFAULTS, runId, projectId: loopProjectId(projectId), teacherModel: model,
    strategy: 'mix', mix: Object.fromEntries(used), rounds: s.rounds, budget: s.budget, price: { ...s.price },
  };
}

/** The project's inputs to the loop, in a stable order so a resume sees the same fingerprint. */
export function loopData(examples: Example[], labels: string[]): LoopData {
  const byId = (a: Example, b: Example) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const seeds = examples.filter((e) => e.provenance.source === 'seed' && e.split === 'train' && e.label !== null).sort(byId);
  const val = examples.filter((e) => e.provenance.source === 'seed' && e.split === 'val' && e.label !== null).sort(byId);
  const unlabeled = examples.filter((e) => e.split === 'unlabeled').sort(byId);
  return { seeds, val: val.length ? val : undefined, unlabeled: unlabeled.length ? unlabeled : undefined, labels };
}

export class SynthRun {
  status = $state<SynthStatus>('idle');
  progress = $state<Progress | null>(null);
  error = $state<string | null>(null);
  settings = $state<SynthSettings | null>(null);
  hasUnlabeled = $state(false);
  loaded = $state(false);
  state = $state<LoopState | null>(null);

  private projectId: string | null = null;
  private saved: SavedSynth | null = null;
  /** Counters of jobs finished in this session, so the shown totals grow across jobs. */
  /** The run's totals over its jobs, for the counters on the page. */
  private counters = new RunCounters();
  /** The one `go` following the run in this view (a second would count every event twice). */
  private following: Promise<void> | null = null;

  /** Why Start cannot be pressed yet, in words for the user. */
  blocker(): string | null {
    if (!this.projectId) return 'Open or create a project on the Data step first.';
    const t = loadTeacherSettings();
    if (!teacherOrigin(t.baseURL) || !t.model) return 'Connect a teacher on the Teacher step first (URL and model).';
    if (needsReloadFor(t.baseURL)) return 'The page must reload once to allow the teacher: open the Teacher step and save it.';
    return null;
  }

  async load(projectId: string): Promise<void> {
    this.projectId = projectId;
    const s = await store();
    const project = await s.getProject(projectId);
    if (!project) return;
    const examples = await s.listExamples(projectId);
    this.hasUnlabeled = examples.some((e) => e.split === 'unlabeled');
    this.saved = (project.settings.synth as SavedSynth | undefined) ?? null;
    this.settings = this.saved?.settings ?? defaultSynthSettings(this.hasUnlabeled);
    if (this.saved) {
      const run = await s.getRun(this.saved.runId);
      this.state = (run?.state as unknown as LoopState | undefined) ?? null;
      await this.copyFinishedRounds();
      if (run?.status === 'done') {
        this.status = 'done';
        this.counters.reset(await this.storedCounts(), this.saved.failures);
        this.progress = { phase: 'done', done: 1, total: 1, detail: this.detail() };
      } else if (this.saved.stopped) {
        this.status = this.saved.stopped;
      } else {
        // Started and not stopped by the user: still going in the worker (the step was left and
        // shown again), or cut off by a reload or a crash, maybe before the loop wrote its first
        // checkpoint. `go` follows the live run or resumes it where it stopped.
        this.loaded = true;
        void this.go();
        return;
      }
    }
    this.loaded = true;
  }

  async start(settings: SynthSettings): Promise<void> {
    if (!this.projectId) return;
    if (this.saved && this.status !== 'running' && await loopRunning(loopProjectId(this.projectId))) {
      // Starting over deletes the last run's bookkeeping, which another tab is writing now.
      this.status = 'failed';
      this.error = runErrorText(RUN_IN_ANOTHER_TAB, 0);
      return;
    }
    const runId = `${this.projectId}:synth:${Date.now().toString(36)}`;
    // Shown at once, so the last run's counts and message never pass for the new run's.
    this.status = 'running';
    this.error = null;
    this.progress = null;
    this.counters.reset();
    if (this.saved) {
      // A new run starts from the seeds alone: keep what the last one made (cancelled or failed
      // halfway included) in the project, then clear its bookkeeping so the new run's budget and
      // rounds count only its own examples.
      await this.copyAll();
      await (await store()).deleteProject(loopProjectId(this.projectId));
    }
    this.saved = { runId, settings, copiedRounds: [] };
    this.settings = settings;
    this.state = null;
    await this.persist();
    await this.go();
  }

  async resume(): Promise<void> {
    if (!this.saved) return;
    this.saved.stopped = undefined;
    this.status = 'running';
    this.error = null;
    await this.persist();
    await this.go();
  }

  async pause(): Promise<void> {
    await this.stop('paused');
  }

  async cancel(): Promise<void> {
    await this.stop('cancelled');
  }

  async saveSettings(settings: SynthSettings): Promise<void> {
    this.settings = settings;
  }

  private async stop(how: 'paused' | 'cancelled'): Promise<void> {
    if (!this.saved) return;
    this.saved.stopped = how;
    await this.persist();
    if (this.status === 'running') await loopWorker().cancel(this.saved.runId);
    else this.status = how;
  }

  private go(): Promise<void> {
    this.following ??= this.follow().finally(() => { this.following = null; });
    return this.following;
  }

  private async follow(): Promise<void> {
    const saved = this.saved!;
    const projectId = this.projectId!;
    this.error = null;
    this.status = 'running';
    try {
      this.counters.reset(await this.storedCounts(), saved.failures);
      const s = await store();
      const project = await s.getProject(projectId);
      if (!project) throw new Error('project vanished');
      const teacher = loadTeacherSettings();
      const origin = teacherOrigin(teacher.baseURL);
      const apiKey = origin ? await getKey(origin) : '';
      const config = loopConfig(projectId, saved.runId, saved.settings, teacher.model);
      const data = loopData(await s.listExamples(projectId), project.labels);
      const result = await loopWorker().run(
        config, data, { baseURL: teacher.baseURL, model: teacher.model, apiKey: apiKey || undefined },
        Comlink.proxy((e: LoopEvent) => this.onEvent(e)),
        Comlink.proxy((p: Progress) => this.onProgress(p)),
      );
      const run = await s.getRun(saved.runId);
      this.state = (run?.state as unknown as LoopState | undefined) ?? this.state;
      await this.copyFinishedRounds();
      if (result.ok) {
        this.status = 'done';
        this.progress = { phase: 'done', done: 1, total: 1, detail: this.detail() };
      } else if (result.cancelled) {
        this.status = saved.stopped ?? 'paused';
        // A cancelled run is never resumed: what it made so far goes to the project now.
        if (this.status === 'cancelled') await this.copyAll();
      } else {
        this.status = 'failed';
        this.error = runErrorText(result.error!, this.counters.totals().accepted);
      }
      saved.failures = this.counters.failedSoFar();
      await this.persist();
    } catch (e) {
      this.status = 'failed';
      this.error = `The run stopped unexpectedly: ${(e as Error).message}. Everything finished so far is saved; press Resume to carry on.`;
    }
  }

  private onProgress(p: Progress): void {
    if (p.phase !== 'synthesize') {
      // Training the round's student between synthesis jobs: show it, keep the counters.
      this.progress = { ...p, detail: this.detail() };
      return;
    }
    const d = (p.detail ?? {}) as { jobId?: string; rejected?: Record<string, number>; promptTokens?: number; completionTokens?: number; failedRequests?: Record<string, number> };
    this.counters.update(d.jobId ?? '', { accepted: p.done, promptTokens: d.promptTokens ?? 0, completionTokens: d.completionTokens ?? 0, rejected: d.rejected ?? {}, failed: d.failedRequests ?? {} });
    this.progress = { ...p, detail: this.detail() };
  }

  private detail(): Record<string, unknown> {
    const t = this.counters.totals();
    return { accepted: t.accepted, promptTokens: t.promptTokens, completionTokens: t.completionTokens, rejected: t.rejected, failed: t.failed };
  }

  private onEvent(e: LoopEvent): void {
    if (e.type === 'step' && /^r\d+\.synth$/.test(e.step)) void this.copyFinishedRounds();
    if (e.type === 'done') this.state = e.state;
  }

  /**
   * Per job of the run, what the store holds: its accepted examples (ids start with the job id)
   * and the tokens and rejections in the teacher's request journal. Where the totals start when a
   * run is resumed, shown again or reloaded.
   */
  private async storedCounts(): Promise<Map<string, JobCounts>> {
    const out = new Map<string, JobCounts>();
    const saved = this.saved;
    if (!saved || !this.projectId) return out;
    const s = await store();
    const loopId = loopProjectId(this.projectId);
    const steps = ((await s.getRun(saved.runId))?.state as unknown as LoopState | undefined)?.steps ?? [];
    const job = (round: string, name: string) => synthJobId(saved.runId, Number(round), name);
    const jobs = new Set(steps.map((x) => /^r(\d+)\.synth\.([^.]+)$/.exec(x)).filter((m) => m !== null).map((m) => job(m[1], m[2])));
    const examples = (await s.listExamples(loopId, { split: 'train' })).filter((e) => e.id.startsWith(`${saved.runId}:`));
    for (const e of examples) {
      // Example ids are `<jobId>:<request key>:<i>`, and job ids `<runId>:r<round>:<name>`.
      const m = /^r(\d+):([^:]+):/.exec(e.id.slice(saved.runId.length + 1));
      if (m) jobs.add(job(m[1], m[2]));
    }
    for (const id of jobs) {
      const c = noCounts();
      c.accepted = examples.filter((e) => e.id.startsWith(`${id}:`)).length;
      for (const r of await s.listRequests(loopId, id)) {
        c.promptTokens += r.promptTokens;
        c.completionTokens += r.completionTokens;
        for (const [k, v] of Object.entries(r.rejected)) c.rejected[k] = (c.rejected[k] ?? 0) + v;
      }
      out.set(id, c);
    }
    return out;
  }

  /**
   * Copies the teacher examples of every round whose synthesis is finished into the user's
   * project, leaving out texts the project already has (seeds, or a copy from earlier rounds).
   */
  private copying: Promise<void> = Promise.resolve();
  private copyFinishedRounds(): Promise<void> {
    // One copy at a time: a round's event and the run's end may both ask for it.
    this.copying = this.copying.then(() => this.copyRounds(), () => this.copyRounds());
    return this.copying;
  }

  private async copyRounds(): Promise<void> {
    const saved = this.saved;
    if (!saved || !this.projectId) return;
    const s = await store();
    const run = await s.getRun(saved.runId);
    const steps = ((run?.state as unknown as LoopState | undefined)?.steps ?? []);
    const rounds = steps.map((x) => /^r(\d+)\.synth$/.exec(x)).filter((m) => m !== null).map((m) => Number(m[1]))
      .filter((r) => !saved.copiedRounds.includes(r));
    if (!rounds.length) return;
    const have = new Set((await s.listExamples(this.projectId)).map((e) => textHash(e.text.trim().toLowerCase())));
    const fresh: Example[] = [];
    for (const e of await s.listExamples(loopProjectId(this.projectId), { split: 'train' })) {
      if (e.provenance.source === 'seed' || !rounds.includes(e.provenance.round)) continue;
      const h = textHash(e.text.trim().toLowerCase());
      if (have.has(h)) continue;
      have.add(h);
      fresh.push(e);
    }
    await s.putExamples(this.projectId, fresh);
    saved.copiedRounds = [...saved.copiedRounds, ...rounds];
    await this.persist();
  }

  /** Every teacher example the run has accepted so far, finished round or not, into the project. */
  private async copyAll(): Promise<void> {
    await this.copying.catch(() => undefined);
    if (!this.projectId) return;
    const s = await store();
    const have = new Set((await s.listExamples(this.projectId)).map((e) => textHash(e.text.trim().toLowerCase())));
    const fresh: Example[] = [];
    for (const e of await s.listExamples(loopProjectId(this.projectId), { split: 'train' })) {
      if (e.provenance.source === 'seed') continue;
      const h = textHash(e.text.trim().toLowerCase());
      if (have.has(h)) continue;
      have.add(h);
      fresh.push(e);
    }
    await s.putExamples(this.projectId, fresh);
  }

  private async persist(): Promise<void> {
    const s = await store();
    const project = await s.getProject(this.projectId!);
    if (!project) return;
    const synth = $state.snapshot(this.saved) as SavedSynth;
    await s.putProject({ ...project, updatedAt: new Date().toISOString(), settings: { ...project.settings, synth } });
  }
}
