import { describe, expect, it } from 'vitest';
import { smoothedValScore } from '../../src/core/student/train.js';

const h = (...f1: number[]) => f1.map((valMacroF1) => ({ valMacroF1 }));

describe('choosing the epoch to keep', () => {
  it('does not keep a single lucky early epoch over a run that is better for several epochs', () => {
    // Validation F1 per epoch as seen with 64 validation examples: a spike at epoch 2, then a
    // steady climb. The epoch with the best smoothed score is a late one, not the spike.
    const f1 = [0.52, 0.68, 0.59, 0.64, 0.61, 0.66, 0.67, 0.67, 0.66];
    const scores = f1.map((_, i) => smoothedValScore(h(...f1.slice(0, i + 1))));
    const bestEpoch = scores.indexOf(Math.max(...scores)) + 1;
    expect(bestEpoch).toBeGreaterThan(6);
  });

  it('is the epoch score itself at the start and the mean of the last three after', () => {
    expect(smoothedValScore(h(0.6))).toBeCloseTo(0.6);
    expect(smoothedValScore(h(0.6, 0.8))).toBeCloseTo(0.7);
    expect(smoothedValScore(h(0.1, 0.6, 0.8, 1.0))).toBeCloseTo(0.8);
  });
});
