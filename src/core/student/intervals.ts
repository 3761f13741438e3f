/**
 * How sure a score is. "75% on 12 texts" and "75% on 1,200 texts" are different claims; every
 * score a user sees carries its count and a 95% interval:
 *   - accuracy: Wilson's score interval (Wilson 1927), which stays inside [0, 1] and keeps its
 *     coverage on small sets and near 0 or 1, where the normal approximation fails;
 *   - macro-F1: a percentile bootstrap over the scored examples (Efron & Tibshirani 1993): the
 *     examples are drawn again with replacement, 1,000 times with a fixed seed, and the 2.5th and
 *     97.5th percentiles of macro-F1 are the interval. It is computed once, where the metrics are
 *     made (a worker in the app, Node in the CLI), and stored with them.
 * Both say how much the score would move on another set of texts like these; neither covers a set
 * that was used to choose (validation, selection): that score is also optimistic.
 */
import { mulberry32 } from './random.js';
import { macroF1OfConfusion, type Metrics, type ScoredSet, type ScoreIntervals, type SetRole, type StoredMetrics } from './metrics.js';
import { textSetKey } from '../dataset/hash.js';

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/** Wilson's 95% score interval for `correct` successes out of `n`; [0, 1] when n is 0. */
export function wilsonInterval(correct: number, n: number, z = Z95): [number, number] {
  if (n <= 0) return [0, 1];
  const p = correct / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [Math.max(0, center - half), Math.min(1, center + half)];
}

export const BOOTSTRAP_DRAWS = 1000;

/**
 * A 95% percentile-bootstrap interval of macro-F1, from the confusion matrix alone (each example is
 * one cell). Null when every example is right, or every one wrong: then every resample scores the
 * same and the bootstrap's [x, x] would claim a certainty that a handful of texts never gives.
 */
export function bootstrapMacroF1(confusion: number[][], draws = BOOTSTRAP_DRAWS, seed = 95): [number, number] | null {
  const k = confusion.length;
  const cells: number[] = [];
  confusion.forEach((row, t) => row.forEach((c, p) => { for (let i = 0; i < c; i++) cells.push(t * k + p); }));
  const n = cells.length;
  const right = confusion.reduce((t, row, i) => t + (row[i] ?? 0), 0);
  if (!n || right === 0 || right === n) return null;
  const rand = mulberry32(seed);
  const values = new Float64Array(draws);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let d = 0; d < draws; d++) {
    for (const row of m) row.fill(0);
    for (let i = 0; i < n; i++) {
      const c = cells[Math.floor(rand() * n)];
      m[Math.floor(c / k)][c % k]++;
    }
    values[d] = macroF1OfConfusion(m);
  }
  values.sort();
  return [quantile(values, 0.025), quantile(values, 0.975)];
}

function quantile(sorted: Float64Array, q: number): number {
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** Both intervals of a metrics record. */
export function scoreIntervals(m: Pick<Metrics, 'accuracy' | 'n' | 'confusion'>): ScoreIntervals {
  return { level: 0.95, accuracy: wilsonInterval(Math.round(m.accuracy * m.n), m.n), macroF1: bootstrapMacroF1(m.confusion) };
}

/** The accuracy interval of any record (old ones kept none: Wilson's needs only the count). */
export function accuracyInterval(m: Pick<StoredMetrics, 'accuracy' | 'n' | 'intervals'>): [number, number] {
  return m.intervals?.accuracy ?? wilsonInterval(Math.round(m.accuracy * m.n), m.n);
}

/** A metrics record as it is stored and shown: with its intervals and the set it was computed on. */
export function scoredOn<M extends Pick<Metrics, 'accuracy' | 'n' | 'confusion'>>(m: M, role: SetRole, texts: readonly string[]): M & { intervals: ScoreIntervals; set: ScoredSet } {
  return { ...m, intervals: scoreIntervals(m), set: { role, key: textSetKey(texts) } };
}
