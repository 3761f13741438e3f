/**
 * Which round's student the run keeps: the latest round whose macro-F1 on the selection half is
 * within one standard error of the best round's (the one-standard-error rule, Breiman et al. 1984,
 * "Classification and Regression Trees" §3.4.3; the rule glmnet's lambda.1se follows).
 *
 * Why not simply the best round: the selection half is small (16 texts per class in the benchmark
 * setups, often fewer in a user's project), where one text moves macro-F1 by several points, and a
 * later round trained on more of the teacher's examples. Taking the best on such a set swaps a
 * student with more data for one with less on a difference that is one or two texts: on SST-2 with
 * the fine-tuned transformer (3 draws, bench:loop, 2026-12-04) it kept an earlier round in 2 of 3
 * draws, 1.6 and 1.7 test points below the last round. An earlier round is kept only when the later
 * ones are worse by more than the noise, which still catches a round whose training went wrong
 * (the same runs: a round that fell 10 points on test).
 *
 * The standard error is that of the difference between the two rounds on the same texts: a paired
 * bootstrap (the texts drawn again with replacement, both students' predictions kept together, a
 * fixed seed, so the choice never changes on a reload). Rounds without stored predictions (runs
 * started before this rule) get no margin: the best round, the later one on ties, as before.
 */
import { withinOneStandardError } from '../student/one-standard-error.js';

/** What the rule needs of a round: its selection macro-F1 and, for the margin, its predictions. */
export interface RoundOnSelection {
  round: number;
  macroF1: number;
  /** Predicted class index per selection text, in the selection half's order. */
  predicted?: readonly number[];
}

/**
 * The kept round among `rounds` (at least one): the latest whose selection macro-F1 is at most one
 * standard error below the best round's. The best round qualifies itself, so the kept round is the
 * best or a later one. When a new round is added, the kept round is either the one kept before or
 * the new one (a round that does not qualify leaves the best and every other margin as they were),
 * so a run that stores only the kept round's student never needs one it deleted.
 */
export function keptRound(rounds: readonly RoundOnSelection[], truth: readonly number[], k: number): number {
  if (!rounds.length) throw new Error('keptRound: no evaluated round');
  const ordered = [...rounds].sort((x, y) => x.round - y.round);
  let best = ordered[0];
  for (const r of ordered) if (r.macroF1 >= best.macroF1) best = r;
  for (let i = ordered.length - 1; i >= 0; i--) {
    const r = ordered[i];
    if (r === best) return r.round;
    if (withinOneStandardError(best, r, truth, k)) return r.round;
  }
  return best.round;
}
