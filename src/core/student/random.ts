/** Seeded randomness, so a training run is reproducible from its seed: the one PRNG of the core. */
export { rng as mulberry32 } from '../dataset/split.js';

export function shuffled(n: number, rand: () => number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}
