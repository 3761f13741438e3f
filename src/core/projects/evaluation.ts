/**
 * What the Evaluate step shows for a project, read from the store: the rounds its synthesis run
 * recorded (each round's student on validation and test, and its validation mistakes) and, after
 * them, the model the Train step made last — the one Export bundles.
 */
import type { MetricsSummary } from '../loop/state.js';
import { metricsLabels, type SetRole } from '../student/metrics.js';
import { getLoopRun } from '../loop/checkpoint.js';
import type { Mistake } from '../student/mistakes.js';
import type { Store } from '../store/store.js';

export interface RoundMetrics {
  round: number;
  /** A synthesis run's round, or the Train step's model (absent in older callers: a round). */
  source?: 'synthesis' | 'train-step';
  /** The set that chose (validation, or a round's selection half) and the test set. */
  val?: MetricsSummary;
  test?: MetricsSummary;
  /** Which set the round's listed mistakes come from. */
  mistakesOn?: SetRole;
}

/** A validation or test example the student got wrong; `scores` in label order when known. */
export interface Misclassified extends Mistake {
  scores?: number[];
}

export interface ProjectEvaluation {
  /** Each round's metrics carry the label order they were computed in (`labels`). */
  rounds: RoundMetrics[];
  /** The project's labels. */
  labels: string[];
  /** Mistakes per round (validation), when the run recorded them. */
  mistakes: Record<number, Misclassified[]>;
  /** The round number given to the Train step's model, or null when there is none. */
  trainedRound: number | null;
}

export async function projectEvaluation(store: Store, projectId: string): Promise<ProjectEvaluation> {
  const project = await store.getProject(projectId);
  const labels = project?.labels ?? [];
  // Every record says its own label order: a run's rounds and the Train step's model need not agree.
  const labeled = (m?: MetricsSummary): MetricsSummary | undefined => m && { ...m, labels: metricsLabels(m) };
  const saved = project?.settings.synth as { runId: string } | undefined;
  const state = saved ? (await getLoopRun(store, saved.runId))?.state : undefined;
  const rounds: RoundMetrics[] = [];
  const mistakes: Record<number, Misclassified[]> = {};
  for (const r of state?.rounds ?? []) {
    if (!r.val) continue;
    // A run with validation halves lists the mistakes that drove its next round: the extrapolation half's.
    rounds.push({ round: r.round, source: 'synthesis', val: labeled(r.val), test: labeled(r.test), mistakesOn: state?.validation ? 'extrapolation' : 'validation' });
    mistakes[r.round] = r.errors ?? [];
  }
  const models = (await store.listModels(projectId)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const latest = models[0];
  const metrics = latest?.meta.metrics as { val?: MetricsSummary; test?: MetricsSummary } | undefined;
  let trainedRound: number | null = null;
  if (metrics?.val) {
    const n = rounds.length ? Math.max(...rounds.map((r) => r.round)) + 1 : 0;
    rounds.push({ round: n, source: 'train-step', val: labeled(metrics.val), test: labeled(metrics.test), mistakesOn: 'validation' });
    trainedRound = n;
    // Models trained before their mistakes were kept have none stored: undefined, not [].
    const kept = latest.meta.mistakes as Misclassified[] | undefined;
    if (Array.isArray(kept)) mistakes[n] = kept;
  }
  return { rounds, labels, mistakes, trainedRound };
}
