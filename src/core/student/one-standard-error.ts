/**
 * The one-standard-error rule's margin (Breiman et al. 1984, CART §3.4.3): how far apart two
 * students' macro-F1 on the same few texts may be by chance. The loop chooses its kept round with
 * it (loop/keep.ts) and early stopping its kept epoch (early-stopping.ts), both on validation sets
 * of a few dozen texts where one text moves macro-F1 by several points.
 */
import { BOOTSTRAP_DRAWS } from './intervals.js';
import { macroF1OfConfusion } from './metrics.js';
import { mulberry32 } from './random.js';

/** A student as the rule sees it: its macro-F1 on the texts and, for the margin, its class per text. */
export interface ScoredOnTexts {
  macroF1: number;
  predicted?: readonly number[];
}

/** Whether `other` is at most one standard error of the paired difference below `best` (the rule's test). */
export function withinOneStandardError(best: ScoredOnTexts, other: ScoredOnTexts, truth: readonly number[], k: number): boolean {
  return best.macroF1 - other.macroF1 <= pairedMacroF1StandardError(truth, best.predicted, other.predicted, k);
}

/**
 * The bootstrap standard error of macroF1(a) − macroF1(b), both students' predictions on the same
 * texts with true classes `truth` (class indexes among `k`); 0 when either has no predictions.
 */
export function pairedMacroF1StandardError(truth: readonly number[], a: readonly number[] | undefined, b: readonly number[] | undefined, k: number, draws = BOOTSTRAP_DRAWS, seed = 1984): number {
  const n = truth.length;
  if (!a || !b || a.length !== n || b.length !== n || n === 0) return 0;
  const rand = mulberry32(seed);
  const ma = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const mb = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let sum = 0;
  let sumSq = 0;
  for (let d = 0; d < draws; d++) {
    for (const row of ma) row.fill(0);
    for (const row of mb) row.fill(0);
    for (let j = 0; j < n; j++) {
      const i = Math.floor(rand() * n);
      ma[truth[i]][a[i]]++;
      mb[truth[i]][b[i]]++;
    }
    const diff = macroF1OfConfusion(ma) - macroF1OfConfusion(mb);
    sum += diff;
    sumSq += diff * diff;
  }
  const mean = sum / draws;
  return Math.sqrt(Math.max(0, sumSq / draws - mean * mean));
}
