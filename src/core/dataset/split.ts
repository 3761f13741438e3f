import type { Example } from './example.js';
import { sameTextKey } from './hash.js';
import { removeOverlap, type Overlap } from './overlap.js';

/**
 * Seeded sampling and splitting. Every function is deterministic in (examples, seed), so a run
 * can be reproduced from its config alone.
 */

/** mulberry32: a tiny, well-mixed 32-bit PRNG; plenty for shuffling datasets. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates on a copy. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  const r = rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Labeled examples grouped by label, labels in first-seen order; unlabeled ones are skipped. */
export function byClass(examples: readonly Example[]): Map<string, Example[]> {
  const m = new Map<string, Example[]>();
  for (const e of examples) {
    if (e.label === null) continue;
    let g = m.get(e.label);
    if (!g) m.set(e.label, (g = []));
    g.push(e);
  }
  return m;
}

export interface SplitOptions {
  /** Share of each class held out for validation; default 0.2. */
  valFraction?: number;
  seed?: number;
}

/**
 * Stratified train/validation split. Every class keeps at least one example in train (a class
 * with a single example goes wholly to train); each class with two or more gives at least one
 * to validation when its share rounds to zero, so every class the student learns is also checked.
 */
export function stratifiedSplit(examples: readonly Example[], options: SplitOptions = {}): { train: Example[]; val: Example[] } {
  const frac = options.valFraction ?? 0.2;
  if (!(frac >= 0 && frac < 1)) throw new RangeError(`valFraction must be in [0, 1), got ${frac}`);
  const seed = options.seed ?? 0;
  const train: Example[] = [];
  const val: Example[] = [];
  let k = 0;
  for (const [, group] of byClass(examples)) {
    const g = shuffled(group, seed * 1000003 + k++);
    let nVal = Math.round(g.length * frac);
    if (frac > 0 && nVal === 0 && g.length >= 2) nVal = 1;
    nVal = Math.min(nVal, g.length - 1);
    g.forEach((e, i) => (i < nVal ? val : train).push({ ...e, split: i < nVal ? 'val' : 'train' }));
  }
  return { train, val };
}

/** Up to k examples of every class (all of a class that has fewer), seeded. */
export function sampleKPerClass(examples: readonly Example[], k: number, seed = 0): Example[] {
  const out: Example[] = [];
  let c = 0;
  for (const [, group] of byClass(examples)) out.push(...shuffled(group, seed * 1000003 + c++).slice(0, k));
  return out;
}

/**
 * The benchmark protocol: `seedsPerClass` training seeds and `valPerClass` validation examples
 * per class, disjoint, the rest left as a pool (e.g. to be annotated). Defaults 8 and 32.
 */
export function benchmarkSplit(examples: readonly Example[], opts: { seedsPerClass?: number; valPerClass?: number; seed?: number } = {}) {
  const s = opts.seedsPerClass ?? 8; const v = opts.valPerClass ?? 32; const seed = opts.seed ?? 0;
  const seeds: Example[] = []; const val: Example[] = []; const rest: Example[] = [];
  let c = 0;
  for (const [, group] of byClass(examples)) {
    const g = shuffled(group, seed * 1000003 + c++);
    seeds.push(...g.slice(0, s).map((e) => ({ ...e, split: 'train' as const })));
    val.push(...g.slice(s, s + v).map((e) => ({ ...e, split: 'val' as const })));
    rest.push(...g.slice(s + v));
  }
  return { seeds, val, rest };
}

/** Where a training run's validation set came from. */
export type ValSource = 'project' | 'held-out-real' | 'held-out';

const isReal = (e: Example) => e.provenance.source === 'seed' || e.provenance.source === 'human';

/** A project's examples in their roles for training: see `projectSplits`. */
export interface ProjectSplits {
  train: Example[];
  val: Example[];
  test: Example[];
  valFrom: ValSource;
  /** Training examples left out because their text is a validation or test text (dataset/overlap.ts). */
  overlap: Overlap;
  /** Validation examples left out because their errors drove a synthesis run's extrapolation (`drove`). */
  droveLeftOut: number;
}

export interface ProjectSplitOptions {
  /**
   * Text keys (hash.ts sameTextKey) of validation texts whose errors a synthesis run sent to the
   * teacher: the project holds examples written like them, so a student trained on it scores
   * well there whether or not it learned anything. They leave validation (they never train).
   */
  drove?: ReadonlySet<string>;
}

/**
 * A project's labeled examples as train / validation / test. The project's own validation split
 * wins. Otherwise 20% of each class is held out, from the real (seed or human) examples only when
 * every class has at least two: validation then measures the student on real texts, as S3 does,
 * and never rewards it for matching the teacher's style; all teacher-made examples train.
 * Either way, a training example whose text is also a validation or test text is left out of
 * training (dataset/overlap.ts; refused when that leaves a class with nothing to learn from).
 */
export function projectSplits(examples: readonly Example[], opts: ProjectSplitOptions = {}): ProjectSplits {
  const labeled = examples.filter((e) => e.label !== null);
  const train = labeled.filter((e) => e.split === 'train');
  const val = labeled.filter((e) => e.split === 'val');
  const test = labeled.filter((e) => e.split === 'test');
  const withoutOverlap = (s: { train: Example[]; val: Example[]; valFrom: ValSource }): ProjectSplits => {
    const { train: kept, overlap } = removeOverlap(s.train, s.val, test);
    const drove = opts.drove;
    const clean = drove?.size ? s.val.filter((e) => !drove.has(sameTextKey(e.text))) : s.val;
    return { train: kept, val: clean, test, valFrom: s.valFrom, overlap, droveLeftOut: s.val.length - clean.length };
  };
  if (val.length) return withoutOverlap({ train, val, valFrom: 'project' });
  const real = train.filter(isReal);
  const realPerClass = new Map<string, number>();
  for (const e of real) realPerClass.set(e.label!, (realPerClass.get(e.label!) ?? 0) + 1);
  const labels = new Set(train.map((e) => e.label!));
  const enoughReal = real.length < train.length && [...labels].every((l) => (realPerClass.get(l) ?? 0) >= 2);
  if (enoughReal) {
    const s = stratifiedSplit(real, { valFraction: 0.2, seed: 42 });
    return withoutOverlap({ train: [...s.train, ...train.filter((e) => !isReal(e))], val: s.val, valFrom: 'held-out-real' });
  }
  const s = stratifiedSplit(train, { valFraction: 0.2, seed: 42 });
  return withoutOverlap({ train: s.train, val: s.val, valFrom: 'held-out' });
}

/**
 * The loop's validation in two halves (S3's error extrapolation done without fooling itself):
 * the errors of `extrapolation` are sent to the teacher, which makes examples like them, so the
 * student's score there rises whether or not it got better; `selection` never reaches the teacher
 * and is what chooses the epoch and the round. Stratified and seeded: per class, half (rounded
 * down) to extrapolation, the rest to selection, so a class with one validation example is still
 * checked (it only drives nothing).
 */
export function validationHalves(val: readonly Example[], seed = 7): { extrapolation: Example[]; selection: Example[] } {
  const extrapolation: Example[] = [];
  const selection: Example[] = [];
  let k = 0;
  for (const [, group] of [...byClass(val)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const g = shuffled([...group].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), seed * 1000003 + k++);
    const half = Math.floor(g.length / 2);
    g.forEach((e, i) => (i < half ? extrapolation : selection).push(e));
  }
  const byId = (a: Example, b: Example) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return { extrapolation: extrapolation.sort(byId), selection: selection.sort(byId) };
}
