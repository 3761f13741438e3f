/**
 * The Synthesize step's run, as the page sees it: starts or resumes the project's synthesis run in
 * the worker (core/projects/synthesis.ts over the loop) with the saved teacher and the step's
 * settings, follows its progress, and holds what the page shows. The run works in the project
 * itself: what the teacher makes is in the project as it comes, and the loop settles it after each
 * round (unlabeled texts the teacher labels become labeled examples, duplicates go), so Review and
 * Train see it without this class copying anything.
 *
 * Pause is a cancel that keeps the run: the loop checkpoints every finished step and the teacher's
 * request journal records every finished request, so `run` again with the same config continues
 * without repeating or losing an example. Cancel stops it for good and settles what it made. The
 * run id and whether the user paused it are kept in the project's settings, so a reload shows the
 * run and resumes it unless the user had paused it.
 */
import * as Comlink from 'comlink';
import { isAbortError, isUserError } from '../../core/errors';
import type { LoopEvent } from '../../core/loop/events';
import type { LoopState } from '../../core/loop/state';
import { loopRunning, RUN_IN_ANOTHER_TAB } from '../../core/loop/tab-lock';
import type { Progress } from '../../core/progress';
import type { SavedSynth } from '../../core/projects/settings';
import {
  adoptLegacyShadow, saveSynthesis, settleSynthesis, startSynthesis, synthesisConfig, synthesisRecord, teacherExamples,
  type EarlierExamples, type TeacherExamples,
} from '../../core/projects/synthesis';
import { worker } from '../worker-client';
import { store } from '../projects/projects';
import { loadTeacherSettings } from '../teacher/teacher-settings';
import { findPreset } from '../../core/teacher/presets';
import { getKey } from '../teacher/key-store';
import { needsReloadFor, teacherOrigin } from '../flow/csp';
import { defaultSynthSettings, phaseLabel, type RunProgress, type SynthDetail, type SynthSettings, type SynthStatus } from './synth-settings';
import { runErrorText } from './run-errors';
import { RunCounters, type JobCounts, type JobItems } from './run-counters';
import { getLoopRun } from '../../core/loop/checkpoint';
import { AccurateStudent } from './accurate.svelte';

export type { SavedSynth };

export class SynthRun {
  status = $state<SynthStatus>('idle');
  progress = $state<RunProgress | null>(null);
  error = $state<string | null>(null);
  settings = $state<SynthSettings | null>(null);
  hasUnlabeled = $state(false);
  loaded = $state(false);
  state = $state<LoopState | null>(null);
  /** What the run has so far, from the store and its live progress: always shown, also when it is stopped. */
  counts = $state<SynthDetail>({});
  /** The Accurate student's transformer and time estimate. */
  readonly accurate = new AccurateStudent();

  private projectId: string | null = null;
  private saved: SavedSynth | null = null;
  /** The run's totals over its jobs, for the counters on the page. */
  private counters = new RunCounters();
  /** The one `go` following the run in this view (a second would count every event twice). */
  private following: Promise<void> | null = null;
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;

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
    // A run of an earlier version kept its examples apart: they join the project once.
    await adoptLegacyShadow(s, projectId);
    const project = await s.getProject(projectId);
    if (!project) return;
    const examples = await s.listExamples(projectId);
    this.hasUnlabeled = examples.some((e) => e.split === 'unlabeled');
    this.saved = project.settings.synth ?? null;
    this.settings = this.saved?.settings ?? defaultSynthSettings(this.hasUnlabeled);
    if (this.saved) {
      const record = await synthesisRecord(s, projectId, this.saved.runId);
      this.state = record.state ?? null;
      // The counters start from the store whatever the run's status: a paused, failed or
      // cancelled run shows what it has, as a reloaded page must.
      this.counters.reset(countsOf(record.jobs), this.saved.failures, record.state);
      this.publish();
      if (record.state?.steps.includes('done')) {
        this.status = 'done';
        this.progress = { phase: 'done', done: 1, total: 1, detail: this.counts };
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

  /** What earlier runs put into the project (the Start over dialog asks what to do with it). */
  async countEarlier(): Promise<TeacherExamples> {
    return teacherExamples(await store(), this.projectId!);
  }

  /** A new run; `earlier`: keep or remove what earlier runs made (asked by the Start over dialog). */
  async start(settings: SynthSettings, earlier: EarlierExamples = 'keep'): Promise<void> {
    // Start is disabled with this reason beside it (blocker); said again should a press get here anyway.
    if (!this.projectId) { this.error = this.blocker(); return; }
    const before = this.status;
    try {
      if (this.saved && this.status !== 'running' && await loopRunning(this.projectId)) {
        // Starting over settles the last run's examples, which another tab is still making.
        this.status = 'failed';
        this.error = runErrorText(RUN_IN_ANOTHER_TAB, 0);
        return;
      }
      // Shown at once, so the last run's counts and message never pass for the new run's.
      this.status = 'running';
      this.error = null;
      this.progress = null;
      this.counters.reset();
      this.state = null;
      this.publish();
      // What the last run made is settled, then kept or removed as the user chose; the new run counts only its own.
      const s = await store();
      this.saved = await startSynthesis(s, this.projectId, settings, Date.now(), earlier);
      this.settings = settings;
      // Removing the teacher's labels makes the user's texts unlabeled again: annotation is possible again.
      this.hasUnlabeled = (await s.listExamples(this.projectId, { split: 'unlabeled' })).length > 0;
    } catch (e) {
      // Before the run exists (the store refused a write, say): without this the page would say
      // "Running" and "Starting…" for ever while nothing runs. Start stays pressable.
      this.status = before === 'running' ? 'idle' : before;
      this.error = isUserError(e) ? e.userMessage
        : `The run could not be started: ${(e as Error).message}. Press ${before === 'idle' ? 'Start' : 'Start over'} again, or reload the page if it keeps failing.`;
      return;
    }
    await this.go();
  }

  async resume(): Promise<void> {
    if (!this.saved) { this.error = 'There is no run to resume here: press Start for a new one.'; return; }
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

  /** Measures how long the Accurate student's trainings will take with `settings` (accurate.svelte.ts). */
  async measure(settings: SynthSettings): Promise<void> {
    if (this.projectId) await this.accurate.measure(this.projectId, settings, loadTeacherSettings().model);
  }

  async saveSettings(settings: SynthSettings): Promise<void> {
    this.settings = settings;
  }

  private async stop(how: 'paused' | 'cancelled'): Promise<void> {
    if (!this.saved) return;
    this.saved.stopped = how;
    await this.persist();
    if (this.status === 'running') {
      await worker().cancel(this.saved.runId);
    } else {
      this.status = how;
      if (how === 'cancelled') await settleSynthesis(await store(), this.projectId!, this.saved.runId);
    }
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
      const s = await store();
      const record = await synthesisRecord(s, projectId, saved.runId);
      this.state = record.state ?? this.state;
      this.counters.reset(countsOf(record.jobs), saved.failures, record.state);
      this.publish();
      const teacher = loadTeacherSettings();
      const origin = teacherOrigin(teacher.baseURL);
      const apiKey = origin ? await getKey(origin) : '';
      const config = synthesisConfig(projectId, saved.runId, saved.settings, teacher.model);
      // An Accurate run needs the transformer in the worker; after a reload it is read again from the app's copy.
      if (config.student && !(await worker().encode.loadedPretrained()) && !(await this.accurate.load())) {
        const why = this.accurate.error;
        this.status = 'failed';
        this.error = `${why?.message ?? 'The pretrained transformer could not be loaded.'} The run needs it for its Accurate student: load it under Settings (Load the transformer) and press Resume, or choose Fast and press Start over. Everything the run made so far is kept.`;
        return;
      }
      try {
        await worker().loop.run(
          // A preset knows how many requests its kind of server takes at once (a local one: its --parallel).
          config, { baseURL: teacher.baseURL, model: teacher.model, apiKey: apiKey || undefined, concurrency: findPreset(teacher.presetId)?.concurrency },
          Comlink.proxy((e: LoopEvent) => this.onEvent(e)),
          Comlink.proxy((p: Progress) => this.onProgress(p)),
        );
        await this.refreshState();
        this.status = 'done';
        this.progress = { phase: 'done', done: 1, total: 1, detail: this.counts };
      } catch (e) {
        await this.refreshState();
        if (isAbortError(e)) {
          this.status = saved.stopped ?? 'paused';
          // A cancelled run is never resumed: what it made so far is settled into the project now.
          if (this.status === 'cancelled') await settleSynthesis(s, projectId, saved.runId);
        } else if (isUserError(e)) {
          this.status = 'failed';
          // The same count as the Accepted counter beside it.
          this.error = runErrorText(e, this.counts.accepted ?? 0);
        } else {
          throw e;
        }
      }
      saved.failures = this.counters.failedSoFar();
      await this.persist();
    } catch (e) {
      this.status = 'failed';
      this.error = `The run stopped unexpectedly: ${(e as Error).message}. Everything finished so far is saved; press Resume to carry on.`;
    }
  }

  private onProgress(p: Progress): void {
    if (p.phase === 'synthesize') {
      const d = p.detail;
      // Items: the job's whole count from its journal (older workers sent only accepted and this session's rejections).
      const items = d.items ?? { requested: p.done + Object.values(d.rejected).reduce((a, b) => a + b, 0), accepted: p.done, rejected: d.rejected, missing: {} };
      this.counters.update(d.jobId ?? '', { ...items, promptTokens: d.promptTokens, completionTokens: d.completionTokens, failed: d.failedRequests as Record<string, number> });
      this.publish();
    }
    // A fine-tuning's steps are its progress: its epoch reports would only move the bar back.
    if (p.phase === 'train' && this.progress?.step) return;
    // Training the round's student between synthesis jobs is shown too; the counters stay.
    this.progress = {
      phase: p.phase, done: p.done, total: p.total, label: phaseLabel(p, this.state), detail: this.counts,
      ...(p.phase === 'train-step' ? { step: p.detail } : {}),
    };
  }

  /** The counters as the page shows them, from the store's and the live counts (run-counters.ts). */
  private publish(): void {
    const t = this.counters.totals();
    this.counts = {
      requested: t.requested, accepted: t.accepted, rejected: t.rejected, missing: t.missing, added: t.added, labeled: t.labeled,
      promptTokens: t.promptTokens, completionTokens: t.completionTokens, failed: t.failed,
    };
    if (this.progress) this.progress = { ...this.progress, detail: this.counts };
  }

  private onEvent(e: LoopEvent): void {
    if (e.type === 'done') {
      this.state = e.state;
      this.counters.setState(e.state);
      this.publish();
    } else if (e.type === 'step') {
      // A round settled into the project (r<n>.synth), a job listed, a model trained: the
      // counters and the progress line follow the run's state as the store holds it.
      void this.refreshState();
    }
  }

  /** Reads the run's state from the store again (one read at a time; a request during one reads once more after it). */
  private refreshState(): Promise<void> {
    if (this.refreshing) { this.refreshAgain = true; return this.refreshing; }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const state = (await getLoopRun(await store(), this.saved!.runId))?.state;
        if (state) {
          this.state = state;
          this.counters.setState(state);
          this.publish();
        }
      } while (this.refreshAgain);
    })().finally(() => { this.refreshing = null; });
    return this.refreshing;
  }

  private async persist(): Promise<void> {
    await saveSynthesis(await store(), this.projectId!, $state.snapshot(this.saved) as SavedSynth);
  }
}

/** The journal's counts per job, as the page's counters keep them (failed attempts by kind are the page's own). */
function countsOf(jobs: Map<string, JobItems & { promptTokens: number; completionTokens: number }>): Map<string, JobCounts> {
  const out = new Map<string, JobCounts>();
  for (const [id, c] of jobs) {
    out.set(id, { requested: c.requested, accepted: c.accepted, rejected: { ...c.rejected }, missing: { ...c.missing }, promptTokens: c.promptTokens, completionTokens: c.completionTokens, failed: {} });
  }
  return out;
}
