import { describe, expect, it } from 'vitest';
import { shouldStop, smoothedValScore } from '../../src/core/student/early-stopping.js';

const h = (...f1: number[]) => f1;

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

describe('stopping early', () => {
  const at = (over: Partial<Parameters<typeof shouldStop>[0]>) => shouldStop({ epoch: 5, bestEpoch: 1, patience: 4, steps: 160, loss: 0.69, classes: 2, ...over });

  it('does not stop while the loss is still at chance, however long the best epoch is past', () => {
    // SST-2, 1,000 examples: a lucky epoch 1, loss ~ln 2 for the next epochs (32 steps each).
    expect(at({})).toBe(false);
    expect(at({ epoch: 9, steps: 288 })).toBe(false);
  });

  it('stops after the patience once the model has learned, or after enough steps regardless', () => {
    expect(at({ loss: 0.4 })).toBe(true);
    expect(at({ steps: 400 })).toBe(true);
    expect(at({ loss: 0.4, epoch: 4 })).toBe(false); // patience not yet used up
  });

  it('measures "learned" against chance for the number of classes', () => {
    // ln 4 = 1.39: a 4-class loss of 1.0 has learned, the same loss with 2 classes has not.
    expect(at({ loss: 1.0, classes: 4 })).toBe(true);
    expect(at({ loss: 1.0, classes: 2 })).toBe(false);
  });
});
