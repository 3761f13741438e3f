/**
 * A student is never scored on a text it trained on (issue 16): validation and test texts that are
 * also training texts — exactly, or up to case and surrounding space — leave training, never
 * validation or test; the counts are told; a set that would leave nothing (or no example of a
 * class) to train on is refused with a clear message. And every score carries its count and a 95%
 * interval (issue 19).
 */
import { describe, expect, it } from 'vitest';
import type { Example, Split } from '../../src/core/dataset/example.js';
import { textSetKey } from '../../src/core/dataset/hash.js';
import { describeOverlap, removeOverlap } from '../../src/core/dataset/overlap.js';
import { projectSplits, validationHalves } from '../../src/core/dataset/split.js';
import { isUserError } from '../../src/core/errors.js';
import { bootstrapMacroF1, scoreIntervals, wilsonInterval } from '../../src/core/student/intervals.js';
import { evaluate } from '../../src/core/student/metrics.js';

const at = '2026-01-01T00:00:00.000Z';
const ex = (id: string, text: string, label: string, split: Split = 'train'): Example => ({ id, text, label, split, provenance: { source: 'seed', round: 0, createdAt: at } });

function refusal(f: () => unknown): { code: string; message: string } | undefined {
  try { f(); } catch (e) { if (isUserError(e)) return { code: e.code, message: e.message }; throw e; }
  return undefined;
}

describe('overlap between training and validation or test', () => {
  const train = [
    ex('a', 'A lovely film', 'pos'), ex('b', 'a lovely film', 'pos'), ex('c', '  A LOVELY FILM \n', 'pos'),
    ex('d', 'what a bore', 'neg'), ex('e', 'a dull script', 'neg'), ex('f', 'great acting', 'pos'), ex('g', 'poor pacing', 'neg'),
  ];

  it('removes exact and case/space-variant copies of validation and test texts from training only', () => {
    const val = [ex('v1', 'a lovely film', 'pos', 'val')];
    const test = [ex('t1', 'WHAT A BORE', 'neg', 'test'), ex('t2', 'a lovely film', 'pos', 'test')];
    const r = removeOverlap(train, val, test);
    // Three spellings of one validation text, and one test text in upper case.
    expect(r.train.map((e) => e.id)).toEqual(['e', 'f', 'g']);
    // A text in both validation and test counts once, for validation.
    expect(r.overlap).toEqual({ val: 3, test: 1 });
    expect(describeOverlap(r.overlap)).toMatch(/Left out of training: 4 examples whose text is also in the validation set \(3\) or the test set \(1\)/);
    // Validation and test are the user's yardsticks: untouched.
    expect(val).toHaveLength(1);
    expect(test).toHaveLength(2);
  });

  it('keeps texts that only contain a validation text, or differ inside', () => {
    const r = removeOverlap(train, [ex('v', 'lovely', 'pos', 'val'), ex('w', 'a  lovely film', 'pos', 'val')], []);
    expect(r.overlap).toEqual({ val: 0, test: 0 });
    expect(r.train).toHaveLength(train.length);
  });

  it('refuses, saying why, when training would be emptied or would lose every example of a class', () => {
    const all = refusal(() => removeOverlap(train.slice(0, 3), train.slice(0, 1), []));
    expect(all?.code).toBe('overlap-empties-training');
    expect(all?.message).toMatch(/Every one of the 3 training examples is also a validation or test text \(3 in the validation set\)/);
    const cls = refusal(() => removeOverlap(train, [], train.filter((e) => e.label === 'neg').map((e) => ({ ...e, split: 'test' as const }))));
    expect(cls?.code).toBe('overlap-empties-class');
    expect(cls?.message).toMatch(/class 'neg' \(3\)/);
  });

  it('is applied by the one split rule: to a project\'s validation set, and to validation held out of seeds that repeat a text', () => {
    const s = projectSplits([...train, ex('v1', 'A lovely film!', 'pos', 'val'), ex('v2', 'great ACTING', 'pos', 'val'), ex('v3', 'a dull script', 'neg', 'val'), ex('t', 'poor pacing ', 'neg', 'test')]);
    expect(s.valFrom).toBe('project');
    expect(s.overlap).toEqual({ val: 2, test: 1 });
    expect(s.train.map((e) => e.id).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(s.val).toHaveLength(3);
    expect(s.test).toHaveLength(1);
    // No validation set: 20% of each class is held out; a seed repeated in another case cannot stay in training.
    const seeds = Array.from({ length: 10 }, (_, i) => [ex(`p${i}`, `good film ${i}`, 'pos'), ex(`n${i}`, `bad film ${i}`, 'neg')]).flat();
    const copies = seeds.map((e) => ({ ...e, id: `${e.id}-copy`, text: e.text.toUpperCase() + ' ' }));
    const held = projectSplits([...seeds, ...copies]);
    expect(held.valFrom).toBe('held-out');
    const valKeys = new Set(held.val.map((e) => e.text.trim().toLowerCase()));
    for (const e of held.train) expect(valKeys.has(e.text.trim().toLowerCase())).toBe(false);
    expect(held.overlap.val).toBeGreaterThan(0);
    expect(held.train.length + held.val.length + held.overlap.val).toBe(40);
  });
});

describe('validation in two halves for the loop', () => {
  it('splits each class in half, stratified and stable, a class with one example going to selection', () => {
    const val = [...Array.from({ length: 5 }, (_, i) => ex(`p${i}`, `p ${i}`, 'pos', 'val')), ...Array.from({ length: 4 }, (_, i) => ex(`n${i}`, `n ${i}`, 'neg', 'val')), ex('o', 'only one', 'other', 'val')];
    const h = validationHalves(val);
    expect(h.extrapolation.filter((e) => e.label === 'pos')).toHaveLength(2);
    expect(h.selection.filter((e) => e.label === 'pos')).toHaveLength(3);
    expect(h.extrapolation.filter((e) => e.label === 'neg')).toHaveLength(2);
    expect(h.selection.map((e) => e.id)).toContain('o');
    const ids = new Set(h.extrapolation.map((e) => e.id));
    for (const e of h.selection) expect(ids.has(e.id)).toBe(false);
    // The same whatever order the examples come in.
    expect(validationHalves([...val].reverse())).toEqual(h);
  });
});

describe('score intervals', () => {
  it('Wilson\'s 95% interval for accuracy: 9 of 12 is 46.8%–91.1%, 0 of 10 starts at 0, no texts says nothing', () => {
    const [lo, hi] = wilsonInterval(9, 12);
    expect(lo).toBeCloseTo(0.4677, 3);
    expect(hi).toBeCloseTo(0.9111, 3);
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(0, 10)[1]).toBeCloseTo(0.2775, 3);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });

  it('a bootstrap interval for macro-F1 that contains the score, narrows with more texts, and is the same every time', () => {
    const scored = (n: number) => {
      const y = Array.from({ length: n }, (_, i) => i % 2);
      const p = y.map((t, i) => (i % 4 === 0 ? 1 - t : t));
      return evaluate(y, p, ['a', 'b']);
    };
    const small = scored(12);
    const big = scored(1200);
    const [slo, shi] = bootstrapMacroF1(small.confusion)!;
    const [blo, bhi] = bootstrapMacroF1(big.confusion)!;
    expect(slo).toBeLessThanOrEqual(small.macroF1);
    expect(shi).toBeGreaterThanOrEqual(small.macroF1);
    expect(blo).toBeLessThanOrEqual(big.macroF1);
    expect(bhi).toBeGreaterThanOrEqual(big.macroF1);
    expect(bhi - blo).toBeLessThan((shi - slo) / 4);
    expect(bootstrapMacroF1(small.confusion)).toEqual([slo, shi]);
    expect(scoreIntervals(big)).toMatchObject({ level: 0.95, accuracy: wilsonInterval(900, 1200) });
    // Every text right: every resample scores 1, and [1, 1] would claim a certainty 12 texts never give.
    expect(bootstrapMacroF1([[6, 0], [0, 6]])).toBeNull();
    expect(scoreIntervals(evaluate([0, 1, 0, 1], [0, 1, 0, 1], ['a', 'b'])).accuracy[0]).toBeLessThan(0.6);
  });

  it('names a set of texts by its content, so only scores on the same texts are compared', () => {
    expect(textSetKey(['b', 'A '])).toBe(textSetKey(['a', 'B']));
    expect(textSetKey(['a', 'b'])).not.toBe(textSetKey(['a', 'c']));
  });
});
