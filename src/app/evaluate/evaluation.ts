/** What the Evaluate step shows, computed from the loop's per-round metrics. */
import type { RoundMetrics, Misclassified } from '../../core/projects/evaluation.js';
import type { Series } from '../charts/series';

export type { RoundMetrics, Misclassified };

/** Accuracy and macro-F1 per round, validation and test, as chart series (absent sets left out). */
export function roundSeries(rounds: readonly RoundMetrics[]): { xLabels: string[]; series: Series[] } {
  const sorted = [...rounds].sort((a, b) => a.round - b.round);
  const pick = (set: 'val' | 'test', k: 'accuracy' | 'macroF1') => sorted.map((r) => r[set]?.[k] ?? null);
  const series: Series[] = [
    { name: 'Validation macro-F1', values: pick('val', 'macroF1') },
    { name: 'Validation accuracy', values: pick('val', 'accuracy') },
    { name: 'Test macro-F1', values: pick('test', 'macroF1') },
    { name: 'Test accuracy', values: pick('test', 'accuracy') },
  ].filter((s) => s.values.some((v) => v != null));
  return { xLabels: sorted.map((r) => `Round ${r.round}`), series };
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
