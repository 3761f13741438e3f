/**
 * The run's summary, as the CLI prints it and the UI shows it: per round what was added and how
 * the student scored, the kept student's scores, the baselines, and what the teacher cost.
 */
import { NO_OVERLAP, type Overlap } from '../dataset/overlap.js';
import type { LoopState, MetricsSummary } from './state.js';

interface Score { accuracy: number; macroF1: number }

function score(m: MetricsSummary | undefined): Score | null {
  return m ? { accuracy: round4(m.accuracy), macroF1: round4(m.macroF1) } : null;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

export interface LoopSummary {
  /** Per round: requested = added + Σ rejected + Σ missing (teacher items; cross-round duplicates are rejected). */
  /**
   * Per round: `val` on the selection half of validation (chose the epoch and decides the kept
   * round), `extrapolation` on the half whose `errors` drove the next round (inflated by it: no
   * measure), `test` (decided nothing).
   */
  rounds: { round: number; requested: number | null; added: number; addedBySource: Record<string, number>; rejected: Record<string, number>; missing: Record<string, number>; trainSize: number; errors: number; val: Score | null; extrapolation: Score | null; test: Score | null }[];
  final: { round: number; val: Score | null; test: Score | null };
  /** Seeds left out of training because their text is a validation or test text. */
  overlap: Overlap;
  /** Validation texts in each half; null for runs started before the halves (all of validation did both). */
  validation: { extrapolation: number; selection: number } | null;
  baseline: { seedsOnly: { val: Score | null; test: Score | null }; generationOnly?: { added: number; val: Score | null; test: Score | null } };
  /** requests: journaled; attempts: sent, retries included; failedRequests: failed attempts (by kind); unfinishedRequests: failed for good. */
  teacher: { requests: number; attempts: number; failedRequests: number; failedByKind: Record<string, number>; unfinishedRequests: number; tokens: number; cost: number };
  stop: string;
}

export function loopSummary(state: LoopState): LoopSummary {
  const rounds = [...state.rounds].sort((a, b) => a.round - b.round);
  const final = rounds.find((r) => r.round === state.finalRound) ?? rounds[rounds.length - 1];
  const teacher = { requests: 0, attempts: 0, failedRequests: 0, failedByKind: {} as Record<string, number>, unfinishedRequests: 0, tokens: 0, cost: 0 };
  for (const r of rounds) {
    teacher.requests += r.teacher.requests;
    teacher.attempts += r.teacher.attempts ?? r.teacher.requests;
    teacher.failedRequests += r.teacher.failedRequests;
    for (const [k, v] of Object.entries(r.teacher.failedByKind ?? {})) teacher.failedByKind[k] = (teacher.failedByKind[k] ?? 0) + v;
    teacher.unfinishedRequests += r.teacher.unfinishedRequests ?? 0;
    teacher.tokens += r.teacher.tokens;
    teacher.cost += r.teacher.cost;
  }
  const gen = state.baselines.generationOnly;
  return {
    rounds: rounds.map((r) => ({
      round: r.round, requested: r.requested ?? null, added: r.addedTotal, addedBySource: r.added, rejected: r.rejected, missing: r.missing ?? {}, trainSize: r.trainSize ?? 0,
      errors: r.errors?.length ?? 0, val: score(r.val), extrapolation: score(r.extrapolation), test: score(r.test),
    })),
    final: { round: final?.round ?? 0, val: score(final?.val), test: score(final?.test) },
    overlap: state.overlap ?? { ...NO_OVERLAP },
    validation: state.validation ?? null,
    baseline: {
      seedsOnly: { val: score(state.baselines.seedsOnly?.val), test: score(state.baselines.seedsOnly?.test) },
      ...(gen ? { generationOnly: { added: gen.added ?? 0, val: score(gen.val), test: score(gen.test) } } : {}),
    },
    teacher: { ...teacher, cost: Math.round(teacher.cost * 1e6) / 1e6 },
    stop: state.stop ? `${state.stop.reason} after round ${state.stop.afterRound}` : 'running',
  };
}

/** A short human-readable table for stderr / logs. */
export function formatRounds(state: LoopState): string {
  const pct = (x?: number) => (x === undefined ? '   -  ' : `${(x * 100).toFixed(1).padStart(5)}%`);
  // sel: the selection half (chooses); ext: the extrapolation half (its errors drive the next round).
  const v = state.validation;
  const lines = [v ? `validation: ${v.selection} texts select (epoch, round), ${v.extrapolation} drive extrapolation` : 'validation: one set (run started before the halves)',
    'round  added  train  sel-acc  sel-F1  ext-acc  test-acc  errors'];
  const b = state.baselines.seedsOnly;
  if (b) lines.push(`seeds  ${'0'.padStart(5)}  ${String(b.trainSize).padStart(5)}  ${pct(b.val.accuracy)}  ${pct(b.val.macroF1)}  ${pct(undefined)}  ${pct(b.test?.accuracy)}`);
  for (const r of [...state.rounds].sort((a, c) => a.round - c.round)) {
    lines.push(`${String(r.round).padStart(5)}  ${String(r.addedTotal).padStart(5)}  ${String(r.trainSize ?? 0).padStart(5)}  ${pct(r.val?.accuracy)}  ${pct(r.val?.macroF1)}  ${pct(r.extrapolation?.accuracy)}  ${pct(r.test?.accuracy)}  ${String(r.errors?.length ?? '-').padStart(6)}`);
  }
  return lines.join('\n');
}
