/**
 * The Evaluate step's data, read from IndexedDB: the rounds the synthesis run recorded (each
 * round's student on validation and test, and its validation mistakes) and, after them, the model
 * the Train step made last — the one Export bundles.
 */
import type { LoopState } from '../../core/loop/state';
import type { MetricsSummary } from '../../core/loop/state';
import { store } from '../projects/projects';
import type { SavedSynth } from '../synthesize/synth-run.svelte';
import type { Misclassified, RoundMetrics } from './evaluation';

export class EvaluateData {
  rounds = $state<RoundMetrics[]>([]);
  labels = $state<string[]>([]);
  /** Mistakes per round (validation), when the run recorded them. */
  mistakes = $state<Record<number, Misclassified[]>>({});
  /** The round number given to the Train step's model, or null when there is none. */
  trainedRound = $state<number | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);

  async load(projectId: string): Promise<void> {
    try {
      const s = await store();
      const project = await s.getProject(projectId);
      this.labels = project?.labels ?? [];
      const saved = project?.settings.synth as SavedSynth | undefined;
      const run = saved ? await s.getRun(saved.runId) : undefined;
      const state = run?.state as unknown as LoopState | undefined;
      const rounds: RoundMetrics[] = [];
      const mistakes: Record<number, Misclassified[]> = {};
      for (const r of state?.rounds ?? []) {
        if (!r.val) continue;
        rounds.push({ round: r.round, val: r.val, test: r.test });
        mistakes[r.round] = r.errors ?? [];
      }
      if (state?.labels.length) this.labels = state.labels;
      const models = (await s.listModels(projectId)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const latest = models[0];
      const metrics = latest?.meta.metrics as { val?: MetricsSummary; test?: MetricsSummary } | undefined;
      this.trainedRound = null;
      if (metrics?.val) {
        const n = rounds.length ? Math.max(...rounds.map((r) => r.round)) + 1 : 0;
        rounds.push({ round: n, val: metrics.val, test: metrics.test });
        this.trainedRound = n;
        // Models trained before their mistakes were kept have none stored: undefined, not [].
        const kept = latest.meta.mistakes as Misclassified[] | undefined;
        if (Array.isArray(kept)) mistakes[n] = kept;
        if (Array.isArray(latest.meta.labels)) this.labels = latest.meta.labels as string[];
      }
      this.rounds = rounds;
      this.mistakes = mistakes;
    } catch (e) {
      this.error = `Could not read the results: ${(e as Error).message}. Reload the page to try again.`;
    }
    this.loaded = true;
  }
}
