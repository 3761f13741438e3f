/**
 * The settings of one distillation run and how its budget is shared out. Defaults are chosen to
 * hold in general (binary or many classes, any teacher), not tuned on one benchmark.
 */
import type { Strategy } from '../dataset/example.js';
import type { BackendRequest } from '../student/backend.js';

export type Round0Strategy = Exclude<Strategy, 'extrapolate'>;
export type StrategyChoice = Round0Strategy | 'mix';

export interface LoopConfig {
  /** Run id; also the teacher journal's job prefix, so the same command resumes the same run. */
  runId: string;
  projectId: string;
  teacherModel: string;
  strategy: StrategyChoice;
  /** Weights of the round-0 strategies when `strategy` is 'mix' (normalised; missing = 0). */
  mix?: Partial<Record<Round0Strategy, number>>;
  /** S3 extrapolation rounds after round 0; 0 = round 0 alone. */
  rounds: number;
  /** Teacher-made examples the run may add, all rounds together. */
  budget: number;
  /**
   * Share of the budget spent in round 0 when rounds > 0; the rest is shared evenly by the
   * extrapolation rounds (what a round leaves unused carries over). Half and half lets round 0
   * cover the classes broadly and still leaves S3 enough to work on the student's errors.
   */
  round0Fraction: number;
  /**
   * Examples asked like one validation error, at most. What an extrapolation round's budget leaves
   * after that goes to fresh examples of the round-0 mix: a few errors must not fill a round with
   * near-copies of themselves (measured with the simulated teacher on SST-2: 500 examples made like
   * ~18 errors, 14 each, added 0.5 points where 500 fresh ones added 3).
   */
  maxPerError: number;
  /** Stop when validation macro-F1 has not improved for this many rounds. */
  patience: number;
  /** Loss weight of a seed relative to a synthetic example (seeds are real; synthetic may be noisy). */
  seedWeight: number;
  /** Seed of training and of the annotation pool's order: same seed, same run. (Validation held out from the seeds follows the one rule in dataset/split.ts.) */
  seed: number;
  /** Accepted examples one teacher request yields at most; a budget below it cannot buy one. */
  examplesPerRequest: number;
  /** Also spend the same budget on plain generation alone and report it beside the loop. */
  generationBaseline: boolean;
  /** Dollars per million prompt / completion tokens, for the cost column (0 = not priced). */
  price: { input: number; output: number };
  /**
   * The student every round trains, where the run records it (the app's Synthesize step):
   * the pretrained transformer fine-tuned, on `backend`. Absent: the word model, as in runs from
   * before the choice (so their fingerprint, and their resume, is unchanged). The CLI names its
   * student with `--student` and leaves this out.
   */
  student?: { kind: 'transformer'; backend: BackendRequest };
}

export const LOOP_DEFAULTS = {
  strategy: 'mix' as StrategyChoice,
  rounds: 2,
  round0Fraction: 0.5,
  maxPerError: 5,
  patience: 2,
  seedWeight: 1,
  seed: 1,
  examplesPerRequest: 5,
  generationBaseline: false,
  price: { input: 0, output: 0 },
};

/** The round-0 strategies a choice stands for, with their share of round 0's budget. */
export function round0Mix(config: Pick<LoopConfig, 'strategy' | 'mix'>, hasUnlabeled: boolean): Partial<Record<Round0Strategy, number>> {
  if (config.strategy !== 'mix') return { [config.strategy]: 1 };
  const raw = config.mix ?? (hasUnlabeled ? { annotate: 1, generate: 1, rationale: 1 } : { generate: 1, rationale: 1 });
  const total = Object.values(raw).reduce((s, w) => s + (w ?? 0), 0);
  const out: Partial<Record<Round0Strategy, number>> = {};
  for (const [k, w] of Object.entries(raw) as [Round0Strategy, number][]) if (w > 0) out[k] = w / total;
  return out;
}

export interface BudgetPlan {
  /** Examples each round-0 strategy may add. */
  round0: Partial<Record<Round0Strategy, number>>;
  /** Examples all extrapolation rounds together may add. */
  extrapolation: number;
}

/** Splits the budget: round 0's share among its strategies (largest remainder), the rest to S3. */
export function planBudget(config: LoopConfig, hasUnlabeled: boolean): BudgetPlan {
  const r0Total = config.rounds > 0 ? Math.round(config.budget * config.round0Fraction) : config.budget;
  const round0 = splitByMix(r0Total, round0Mix(config, hasUnlabeled));
  return { round0, extrapolation: config.budget - r0Total };
}

/** `total` examples shared among strategies by weight, whole numbers by largest remainder. */
export function splitByMix(total: number, mix: Partial<Record<Round0Strategy, number>>): Partial<Record<Round0Strategy, number>> {
  const entries = Object.entries(mix) as [Round0Strategy, number][];
  const shares = entries.map(([k, w]) => ({ k, exact: total * w, n: Math.floor(total * w) }));
  let left = total - shares.reduce((s, x) => s + x.n, 0);
  for (const s of [...shares].sort((a, b) => (b.exact - b.n) - (a.exact - a.n))) {
    if (left <= 0) break;
    s.n++;
    left--;
  }
  const out: Partial<Record<Round0Strategy, number>> = {};
  for (const s of shares) out[s.k] = s.n;
  return out;
}

/**
 * An extrapolation round's `n` examples: `perError` like each of `drivers` errors (the first
 * `extra` of them one more), capped at `maxPerError`; the rest fresh, shared like round 0.
 */
export function planRound(n: number, errors: number, maxPerError: number, mix: Partial<Record<Round0Strategy, number>>): { drivers: number; perError: number; extra: number; fresh: Partial<Record<Round0Strategy, number>> } {
  const drivers = Math.min(errors, n);
  const perError = drivers ? Math.min(maxPerError, Math.floor(n / drivers)) : 0;
  const extra = perError < maxPerError ? Math.min(drivers, n - perError * drivers) : 0;
  const rest = n - perError * drivers - extra;
  return { drivers, perError, extra, fresh: rest > 0 ? splitByMix(rest, mix) : {} };
}

/** What extrapolation round `round` (1-based) may add, given what earlier rounds spent. */
export function roundBudget(plan: BudgetPlan, rounds: number, round: number, spentInExtrapolation: number): number {
  const left = Math.max(0, plan.extrapolation - spentInExtrapolation);
  const roundsLeft = rounds - round + 1;
  return roundsLeft > 0 ? Math.ceil(left / roundsLeft) : 0;
}
