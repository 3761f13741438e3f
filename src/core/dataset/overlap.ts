/**
 * A student is never scored on a text it trained on. Wherever a student trains with separate sets
 * (the Train step and `distillery train`, the loop and `distillery run`, the benchmarks), a
 * training example whose text is also a validation or test text — by the loop's text key, so
 * case and surrounding space do not hide a copy — is taken out of training. Never out of
 * validation or test: those are the user's yardsticks, and shrinking them would hide the problem
 * instead of removing it. How many went is told to the user (page, stderr, JSON, model card).
 */
import { UserError } from '../errors.js';
import type { Example } from './example.js';
import { sameTextKey } from './hash.js';

/**
 * Training examples removed: `val` those whose text is a validation text, `test` those whose text
 * is a test text and not a validation one (so `val + test` is the total removed).
 */
export interface Overlap {
  val: number;
  test: number;
}

export const NO_OVERLAP: Overlap = Object.freeze({ val: 0, test: 0 });

export function overlapTotal(o: Overlap | undefined): number {
  return o ? o.val + o.test : 0;
}

/** Training without the texts of `val` and `test`, and what that removed. Pure: never throws. */
export function splitOffOverlap<T extends Pick<Example, 'text'>>(train: readonly T[], val: readonly Pick<Example, 'text'>[], test: readonly Pick<Example, 'text'>[]): { train: T[]; removed: { val: T[]; test: T[] } } {
  const valKeys = new Set(val.map((e) => sameTextKey(e.text)));
  const testKeys = new Set(test.map((e) => sameTextKey(e.text)));
  const kept: T[] = [];
  const removed = { val: [] as T[], test: [] as T[] };
  for (const e of train) {
    const k = sameTextKey(e.text);
    if (valKeys.has(k)) removed.val.push(e);
    else if (testKeys.has(k)) removed.test.push(e);
    else kept.push(e);
  }
  return { train: kept, removed };
}

/**
 * Training without the texts of `val` and `test`, with the counts. Refused with a clear message
 * when that would leave nothing to train on, or no training example of a class the student must
 * learn (validation or test holds it: that is why its examples went).
 */
export function removeOverlap<T extends Pick<Example, 'text' | 'label'>>(train: readonly T[], val: readonly Pick<Example, 'text'>[], test: readonly Pick<Example, 'text'>[]): { train: T[]; overlap: Overlap } {
  const { train: kept, removed } = splitOffOverlap(train, val, test);
  const overlap = { val: removed.val.length, test: removed.test.length };
  if (!overlapTotal(overlap)) return { train: kept, overlap };
  const where = [overlap.val ? `${overlap.val} in the validation set` : '', overlap.test ? `${overlap.test} in the test set` : ''].filter(Boolean).join(' and ');
  if (!kept.length) {
    throw new UserError('overlap-empties-training', `Every one of the ${train.length} training examples is also a validation or test text (${where}); a student is never trained on the texts it is scored on, so nothing is left to train on.`,
      'Use a validation and a test set of other texts than the training data.');
  }
  const left = new Set(kept.map((e) => e.label));
  const lost = new Map<string, number>();
  for (const e of [...removed.val, ...removed.test]) if (e.label !== null && !left.has(e.label)) lost.set(e.label, (lost.get(e.label) ?? 0) + 1);
  if (lost.size) {
    const list = [...lost].slice(0, 10).map(([l, n]) => `'${l}' (${n})`).join(', ');
    throw new UserError('overlap-empties-class', `Every training example of ${lost.size === 1 ? 'class' : 'classes'} ${list}${lost.size > 10 ? ', …' : ''} is also a validation or test text; a student is never trained on the texts it is scored on, so it would have nothing to learn ${lost.size === 1 ? 'that class' : 'those classes'} from.`,
      `Add other training examples of ${lost.size === 1 ? 'that class' : 'those classes'}, or take those texts out of the validation or test set.`);
  }
  return { train: kept, overlap };
}

/** One line for stderr and logs: how many training examples went, and why. */
export function describeOverlap(o: Overlap): string {
  const n = overlapTotal(o);
  if (!n) return 'No training example shares its text with the validation or test set.';
  const sets = [o.val ? `the validation set (${o.val})` : '', o.test ? `the test set (${o.test})` : ''].filter(Boolean).join(' or ');
  return `Left out of training: ${n} example${n === 1 ? '' : 's'} whose text is also in ${sets}, case and surrounding space ignored, so no score rests on a text the student trained on.`;
}
