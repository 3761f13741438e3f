/** What the Evaluate step shows, computed from the loop's per-round metrics. */
import type { RoundMetrics, Misclassified } from '../../core/projects/evaluation.js';
import type { MetricsSummary } from '../../core/loop/state.js';
import type { SetRole } from '../../core/student/metrics.js';
import type { Series } from '../charts/series';

export type { RoundMetrics, Misclassified };

/** A set of texts as the page names it. */
export function setName(role: SetRole | undefined, which: 'val' | 'test'): string {
  if (which === 'test' || role === 'test') return 'Test';
  if (role === 'selection') return 'Validation, selection half';
  if (role === 'extrapolation') return 'Validation, extrapolation half';
  return 'Validation';
}

/** What a set did in the run that scored on it, in a user's words. */
export function setRoleText(role: SetRole | undefined, which: 'val' | 'test'): string {
  if (which === 'test' || role === 'test') return 'Decided nothing: the score to trust.';
  if (role === 'selection') return 'Chose this student\'s epoch and which round is kept; never shown to the teacher. Chosen on, so optimistic.';
  return 'Chose the kept epoch, so slightly optimistic.';
}

/** The x label of a round: a synthesis run's round, or the Train step's model. */
export function roundLabel(r: Pick<RoundMetrics, 'round' | 'source'>): string {
  return r.source === 'train-step' ? 'Train step' : `Round ${r.round}`;
}

/**
 * Accuracy and macro-F1 per round as chart series, one line per set of texts: scores on different
 * texts are never joined (a synthesis run's rounds are scored on its selection half, the Train
 * step's model on all of validation), while rounds scored on the same texts (by `set.key`; older
 * records by who scored them and how many texts) share a line. Absent sets are left out.
 */
export function roundSeries(rounds: readonly RoundMetrics[]): { xLabels: string[]; series: Series[] } {
  const sorted = [...rounds].sort((a, b) => a.round - b.round);
  const groups = new Map<string, { which: 'val' | 'test'; m: MetricsSummary }>();
  const keyOf = (r: RoundMetrics, which: 'val' | 'test'): string | null => {
    const m = r[which];
    return m ? m.set?.key ?? `${r.source ?? 'synthesis'}:${which}:${m.n}` : null;
  };
  for (const which of ['val', 'test'] as const) {
    for (const r of sorted) {
      const k = keyOf(r, which);
      if (k && !groups.has(k)) groups.set(k, { which, m: r[which]! });
    }
  }
  const names = new Set<string>();
  const series: Series[] = [];
  for (const [key, { which, m }] of groups) {
    let base = `${setName(m.set?.role, which)} (${m.n.toLocaleString('en')} texts)`;
    for (let i = 2; names.has(base); i++) base = `${setName(m.set?.role, which)} (${m.n.toLocaleString('en')} texts, set ${i})`;
    names.add(base);
    const pick = (k: 'accuracy' | 'macroF1') => sorted.map((r) => (keyOf(r, which) === key ? r[which]![k] : null));
    series.push({ name: `${base} macro-F1`, values: pick('macroF1') }, { name: `${base} accuracy`, values: pick('accuracy') });
  }
  return { xLabels: sorted.map(roundLabel), series };
}

/**
 * Share of each true class's examples in each predicted class (row-normalised), so a rare class's
 * mistakes are as visible as a common one's. Rows with no examples stay 0.
 */
export function rowShares(confusion: readonly number[][]): number[][] {
  return confusion.map((row) => {
    const n = row.reduce((a, b) => a + b, 0);
    return row.map((c) => (n ? c / n : 0));
  });
}

/** The most confident mistakes first: the ones most worth a look. */
export function worstFirst(xs: readonly Misclassified[]): Misclassified[] {
  return [...xs].sort((a, b) => b.confidence - a.confidence);
}

export function pct(v: number): string {
  return `${(100 * v).toFixed(1)}%`;
}
