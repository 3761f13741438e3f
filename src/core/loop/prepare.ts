/**
 * Puts a run's data in the store with the split each example plays: seeds for training, a
 * validation set (given, or held out from the seeds), a test set that only gets reported, and the
 * unlabeled pool for annotation.
 */
import type { Example, Split } from '../dataset/example.js';
import { textHash } from '../dataset/hash.js';

/** mulberry32: a tiny seeded PRNG, so the same seed always holds out the same examples. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Stratified hold-out: per class, round(n · fraction) examples go to validation, but at least one
 * and never the last one (every class keeps a training seed and appears in validation).
 */
export function holdOutValidation(seeds: Example[], fraction: number, seed: number): { train: Example[]; val: Example[] } {
  const byLabel = new Map<string, Example[]>();
  for (const e of [...seeds].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const k = e.label ?? '';
    if (!byLabel.has(k)) byLabel.set(k, []);
    byLabel.get(k)!.push(e);
  }
  const random = rng(seed);
  const train: Example[] = [];
  const val: Example[] = [];
  for (const label of [...byLabel.keys()].sort()) {
    const xs = byLabel.get(label)!;
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    const k = Math.min(xs.length - 1, Math.max(1, Math.round(xs.length * fraction)));
    val.push(...xs.slice(0, k));
    train.push(...xs.slice(k));
  }
  return { train, val };
}

/** Copies of the examples with their role in this run, ids prefixed so files cannot collide. */
export function asSplit(examples: Example[], split: Split, prefix: string): Example[] {
  return examples.map((e) => ({ ...e, id: `${prefix}:${e.id}`, split, provenance: { ...e.provenance } }));
}

/** A fingerprint of the inputs, so a resume with different files is refused instead of mixed. */
export function dataFingerprint(parts: (Example[] | undefined)[]): string {
  return textHash(parts.map((xs) => (xs ?? []).map((e) => `${e.label ?? ''}\u0001${e.text}`).join('\u0002')).join('\u0003'));
}
