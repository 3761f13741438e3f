import { describe, expect, it } from 'vitest';
import { keptRound, type RoundOnSelection } from '../../src/core/loop/keep.js';
import { pairedMacroF1StandardError } from '../../src/core/student/one-standard-error.js';
import { macroF1 } from '../../src/core/student/metrics.js';
import { mulberry32 } from '../../src/core/student/random.js';

// 32 selection texts, 16 per class, as in the benchmark's SST-2 setup.
const truth = Array.from({ length: 32 }, (_, i) => (i < 16 ? 0 : 1));
/** Predictions right on every text but the first `wrong` of each class. */
const wrongOn = (wrong: number) => truth.map((t, i) => ((i % 16) < wrong ? 1 - t : t));
/** Predictions wrong on exactly the texts `wrong`. */
const wrongAt = (wrong: number[]) => truth.map((t, i) => (wrong.includes(i) ? 1 - t : t));
const round = (r: number, predicted: number[] | undefined, f1 = macroF1(truth, predicted!, 2)): RoundOnSelection => ({ round: r, macroF1: f1, predicted });

describe('the kept round (one standard error rule)', () => {
  it('keeps the later round when an earlier one is better by two texts of the ten they disagree on: noise on 32 texts', () => {
    const rounds = [round(0, wrongAt([0, 1, 16, 17])), round(1, wrongAt([2, 3, 4, 18, 19, 20]))];
    expect(rounds[0].macroF1).toBeGreaterThan(rounds[1].macroF1);
    expect(keptRound(rounds, truth, 2)).toBe(1);
  });

  it('keeps the earlier round when the later is wrong on the same texts and two more: no text speaks for the later', () => {
    expect(keptRound([round(0, wrongOn(1)), round(1, wrongOn(2))], truth, 2)).toBe(0);
  });

  it('keeps an earlier round when a later one fell by more than the noise (a training run that went wrong)', () => {
    const rounds = [round(0, wrongOn(1)), round(1, wrongOn(6)), round(2, wrongOn(7))];
    expect(keptRound(rounds, truth, 2)).toBe(0);
  });

  it('keeps the best round when it is the latest', () => {
    expect(keptRound([round(0, wrongOn(3)), round(1, wrongOn(0))], truth, 2)).toBe(1);
  });

  it('falls back to the best round, the later on ties, for rounds stored without predictions', () => {
    expect(keptRound([round(0, undefined, 0.9), round(1, undefined, 0.88)], truth, 2)).toBe(0);
    expect(keptRound([round(0, undefined, 0.9), round(1, undefined, 0.9)], truth, 2)).toBe(1);
  });

  it('the standard error is 0 for identical predictions and grows with the texts the rounds disagree on', () => {
    expect(pairedMacroF1StandardError(truth, wrongOn(2), wrongOn(2), 2)).toBe(0);
    const few = pairedMacroF1StandardError(truth, wrongOn(1), wrongOn(2), 2);
    const many = pairedMacroF1StandardError(truth, wrongOn(1), wrongOn(6), 2);
    expect(few).toBeGreaterThan(0);
    expect(many).toBeGreaterThan(few);
  });

  it('adding a round keeps the round kept before or the new one, so a run storing one student never needs a deleted one', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 200; trial++) {
      const rounds: RoundOnSelection[] = [];
      let kept: number | undefined;
      for (let r = 0; r < 5; r++) {
        const p = 0.55 + rand() * 0.45;
        const predicted = truth.map((t) => (rand() < p ? t : 1 - t));
        rounds.push(round(r, predicted));
        const now = keptRound(rounds, truth, 2);
        if (kept !== undefined) expect([kept, r]).toContain(now);
        kept = now;
      }
    }
  });
});
