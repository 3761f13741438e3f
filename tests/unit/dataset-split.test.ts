import { describe, expect, it } from 'vitest';
import { stratifiedSplit, sampleKPerClass, benchmarkSplit, projectSplits } from '../../src/core/dataset/split.js';
import type { Example } from '../../src/core/dataset/example.js';

const ex = (i: number, label: string | null): Example => ({
  id: `e${i}`, text: `t${i}`, label, split: label === null ? 'unlabeled' : 'train', provenance: { source: 'seed', round: 0, createdAt: 't' },
});
const data = [
  ...Array.from({ length: 50 }, (_, i) => ex(i, 'a')),
  ...Array.from({ length: 10 }, (_, i) => ex(100 + i, 'b')),
  ...Array.from({ length: 2 }, (_, i) => ex(200 + i, 'c')),
  ex(300, 'd'),
  ex(400, null),
];
const count = (xs: Example[], l: string) => xs.filter((e) => e.label === l).length;

describe('stratifiedSplit', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = stratifiedSplit(data, { seed: 1 });
    const b = stratifiedSplit(data, { seed: 1 });
    const c = stratifiedSplit(data, { seed: 2 });
    expect(a.val.map((e) => e.id)).toEqual(b.val.map((e) => e.id));
    expect(a.val.map((e) => e.id)).not.toEqual(c.val.map((e) => e.id));
  });

  it('keeps class proportions, at least one of every class in train, and marks splits', () => {
    const { train, val } = stratifiedSplit(data, { valFraction: 0.2, seed: 3 });
    expect([count(val, 'a'), count(val, 'b'), count(val, 'c'), count(val, 'd')]).toEqual([10, 2, 1, 0]);
    expect([count(train, 'a'), count(train, 'b'), count(train, 'c'), count(train, 'd')]).toEqual([40, 8, 1, 1]);
    expect(train.length + val.length).toBe(63); // the unlabeled text is not split
    expect(new Set([...train, ...val].map((e) => e.id)).size).toBe(63);
    expect(val.every((e) => e.split === 'val') && train.every((e) => e.split === 'train')).toBe(true);
  });
});

describe('sampleKPerClass and benchmarkSplit', () => {
  it('samples k per class (all of a smaller class), seeded', () => {
    const s = sampleKPerClass(data, 8, 5);
    expect([count(s, 'a'), count(s, 'b'), count(s, 'c'), count(s, 'd')]).toEqual([8, 8, 2, 1]);
    expect(sampleKPerClass(data, 8, 5).map((e) => e.id)).toEqual(s.map((e) => e.id));
  });

  it('gives disjoint seeds, validation and rest', () => {
    const { seeds, val, rest } = benchmarkSplit(data, { seedsPerClass: 8, valPerClass: 32, seed: 0 });
    expect([count(seeds, 'a'), count(val, 'a'), count(rest, 'a')]).toEqual([8, 32, 10]);
    expect([count(seeds, 'b'), count(val, 'b')]).toEqual([8, 2]);
    const ids = [...seeds, ...val, ...rest].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(63);
  });
});

describe('projectSplits (the Train step without a validation file)', () => {
  const mk = (i: number, label: string, source: Example['provenance']['source'], split: Example['split'] = 'train'): Example =>
    ({ id: `${source}-${label}-${i}`, text: `${source} ${label} ${i}`, label, split, provenance: { source, round: 0, createdAt: '' } });
  const seeds = ['a', 'b'].flatMap((l) => Array.from({ length: 8 }, (_, i) => mk(i, l, 'seed')));
  const made = ['a', 'b'].flatMap((l) => Array.from({ length: 100 }, (_, i) => mk(i, l, 'generated')));

  it('validates on the user’s own examples only, and trains on every teacher-made one', () => {
    const s = projectSplits([...seeds, ...made]);
    expect(s.valFrom).toBe('held-out-real');
    expect(s.val.length).toBeGreaterThanOrEqual(2);
    expect(s.val.every((e) => e.provenance.source === 'seed')).toBe(true);
    expect(s.train.filter((e) => e.provenance.source === 'generated')).toHaveLength(200);
    expect(s.train.length + s.val.length).toBe(216);
    expect(new Set(s.val.map((e) => e.label))).toEqual(new Set(['a', 'b']));
  });

  it('falls back to holding out from everything when a class has fewer than two real examples', () => {
    const s = projectSplits([mk(0, 'a', 'seed'), ...seeds.filter((e) => e.label === 'b'), ...made]);
    expect(s.valFrom).toBe('held-out');
    expect(s.val.some((e) => e.provenance.source === 'generated')).toBe(true);
  });

  it('uses the project’s validation split when it has one', () => {
    const s = projectSplits([...seeds, ...made, mk(99, 'a', 'seed', 'val'), mk(99, 'b', 'seed', 'val')]);
    expect(s.valFrom).toBe('project');
    expect(s.val).toHaveLength(2);
    expect(s.train).toHaveLength(216);
  });
});
