/**
 * How the page writes a score: the value, its 95% interval and the number of texts it rests on,
 * so "75% on 12 texts" reads as what it is (core/student/intervals.ts computes the intervals).
 */
import { accuracyInterval } from '../../core/student/intervals';
import type { StoredMetrics } from '../../core/student/metrics';

export type ScoreKind = 'accuracy' | 'macroF1';

export const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The interval of one score of a record; null where there is none (see `noIntervalWhy`). */
export function intervalOf(m: Pick<StoredMetrics, 'accuracy' | 'n' | 'intervals'>, kind: ScoreKind): [number, number] | null {
  return kind === 'accuracy' ? accuracyInterval(m) : m.intervals?.macroF1 ?? null;
}

/** Why a macro-F1 has no interval: the bootstrap could not say, or an older record kept none. */
export function noIntervalWhy(m: Pick<StoredMetrics, 'intervals'>): string {
  return m.intervals?.macroF1 === null ? 'no bootstrap interval: every text was scored alike; see the accuracy\'s' : 'no interval was recorded with this older result';
}

/** "82.8% (95% interval 71.8–90.1%, 64 texts)" */
export function scoreLine(m: Pick<StoredMetrics, 'accuracy' | 'macroF1' | 'n' | 'intervals'>, kind: ScoreKind): string {
  const i = intervalOf(m, kind);
  return `${pct(m[kind])} (${i ? `95% interval ${pct(i[0]).slice(0, -1)}–${pct(i[1])}, ` : ''}${m.n.toLocaleString('en')} text${m.n === 1 ? '' : 's'}${i ? '' : `; ${noIntervalWhy(m)}`})`;
}
