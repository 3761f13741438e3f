/**
 * Helpers for putting a run's data in the store with the role each example plays.
 */
import type { Example, Split } from '../dataset/example.js';
import { textHash } from '../dataset/hash.js';

/** Copies of the examples with their role in this run, ids prefixed so files cannot collide. */
export function asSplit(examples: Example[], split: Split, prefix: string): Example[] {
  return examples.map((e) => ({ ...e, id: `${prefix}:${e.id}`, split, provenance: { ...e.provenance } }));
}

/** A fingerprint of the inputs, so a resume with different files is refused instead of mixed. */
export function dataFingerprint(parts: (Example[] | undefined)[]): string {
  return textHash(parts.map((xs) => (xs ?? []).map((e) => `${e.label ?? ''}\u0001${e.text}`).join('\u0002')).join('\u0003'));
}
