/**
 * Checks a run's setup before the first teacher call, so a mistake costs the user nothing: every
 * class has a seed, validation covers every class, the budget buys at least one request per
 * strategy, and the teacher answers.
 */
import { UserError } from '../errors.js';
import type { Example } from '../dataset/example.js';
import { labelOrder } from '../dataset/labels.js';
import { removeOverlap } from '../dataset/overlap.js';
import { planBudget, round0Mix, type LoopConfig } from './config.js';

export interface LoopData {
  /** Labeled seeds (train, and val too when no validation file is given). */
  seeds: Example[];
  val?: Example[];
  test?: Example[];
  unlabeled?: Example[];
  /** The label set; defaults to the labels of seeds ∪ val ∪ test. */
  labels?: string[];
}

/** The label set, in the one label order (dataset/labels.ts): given, or over every labeled file. */
export function labelSet(data: LoopData): string[] {
  if (data.labels?.length) return labelOrder(data.labels);
  const all: string[] = [];
  for (const e of [...data.seeds, ...(data.val ?? []), ...(data.test ?? [])]) if (e.label !== null) all.push(e.label);
  return labelOrder(all);
}

function countBy(examples: Example[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of examples) if (e.label !== null) m.set(e.label, (m.get(e.label) ?? 0) + 1);
  return m;
}

function list(xs: string[]): string {
  return xs.map((x) => `'${x}'`).join(', ');
}

export function validateSetup(config: LoopConfig, input: LoopData): void {
  const labels = labelSet(input);
  if (labels.length < 2) {
    throw new UserError('one-class', `The seeds have ${labels.length ? `only one class (${list(labels)})` : 'no labeled rows'}; a classifier needs at least two.`, 'Add labeled seeds for at least two classes.');
  }
  // Seeds that are validation or test texts never train (the run leaves them out the same way);
  // refused here when that leaves a class without a seed, before the teacher is asked anything.
  const data = { ...input, seeds: removeOverlap(input.seeds, input.val ?? [], input.test ?? []).train };
  const seeds = countBy(data.seeds);
  const noSeed = labels.filter((l) => !seeds.get(l));
  if (noSeed.length) {
    throw new UserError('class-without-seed', `No seed example for class ${list(noSeed)} (it appears in the validation or test file).`, 'Add at least one labeled seed for every class, or remove that class from the other files.');
  }
  if (data.val) {
    const val = countBy(data.val);
    const missing = labels.filter((l) => !val.get(l));
    if (missing.length) {
      throw new UserError('val-missing-class', `The validation set has no example of class ${list(missing)}, so the run could not tell whether the student learns it.`, 'Add validation examples for every class, or leave out --val to hold out part of the seeds.');
    }
  } else {
    const single = labels.filter((l) => (seeds.get(l) ?? 0) < 2);
    if (single.length) {
      throw new UserError('val-missing-class', `Class ${list(single)} has a single seed, so holding out a validation example would leave it with none to train on.`, 'Give at least two seeds per class, or a separate validation file with --val.');
    }
  }
  if (config.strategy === 'annotate' || (config.strategy === 'mix' && (config.mix?.annotate ?? 0) > 0)) {
    if (!data.unlabeled?.length) throw new UserError('no-unlabeled', 'Annotation needs unlabeled texts, and none were given.', 'Pass a file of unlabeled texts with --unlabeled, or choose --strategy generate.');
  }
  if (!Number.isInteger(config.budget) || config.budget < config.examplesPerRequest) {
    throw new UserError('budget-too-small', `A budget of ${config.budget} examples is below one teacher request (${config.examplesPerRequest} examples).`, `Set --budget to at least ${config.examplesPerRequest}.`);
  }
  const plan = planBudget(config, !!data.unlabeled?.length);
  const starved = Object.entries(plan.round0).filter(([, n]) => (n ?? 0) < config.examplesPerRequest);
  if (starved.length) {
    const share = (config.rounds > 0 ? config.round0Fraction : 1) * Math.min(...Object.values(round0Mix(config, !!data.unlabeled?.length)).map((w) => w ?? 1));
    const need = Math.ceil(config.examplesPerRequest / share);
    throw new UserError('budget-too-small', `The budget leaves ${starved.map(([k, n]) => `${k} ${n}`).join(', ')} examples in round 0, below one teacher request (${config.examplesPerRequest}).`, `Raise --budget to at least ${need}, or use fewer strategies.`);
  }
  if (config.rounds > 0 && plan.extrapolation < 1) {
    throw new UserError('budget-too-small', `The budget leaves nothing for the ${config.rounds} extrapolation round(s).`, 'Raise --budget, lower the round-0 share, or use --rounds 0.');
  }
  if (!(config.round0Fraction > 0 && config.round0Fraction <= 1)) throw new UserError('bad-arguments', `The round-0 share must be in (0, 1], not ${config.round0Fraction}.`);
  if (!(config.seedWeight > 0)) throw new UserError('bad-arguments', `The seed weight must be positive, not ${config.seedWeight}.`);
}
