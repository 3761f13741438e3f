import { describe, expect, it } from 'vitest';
import { mistakesOf } from '../../src/core/student/mistakes';

const labels = ['neg', 'pos'];
const xs = [
  { id: 'a', text: 'fine', label: 'pos' },
  { id: 'b', text: 'awful', label: 'neg' },
  { id: 'c', text: 'meh', label: 'pos' },
  { id: 'd', text: 'great', label: 'neg' },
  { id: 'e', text: 'unlabeled', label: null },
];
const scores = [[0.1, 0.9], [0.3, 0.7], [0.6, 0.4], [0.05, 0.95], [0.9, 0.1]];

describe('mistakesOf', () => {
  it('lists only wrong predictions, most confident first, with what the student said', () => {
    const m = mistakesOf(xs, scores, labels);
    expect(m.map((x) => x.id)).toEqual(['d', 'b', 'c']);
    expect(m[0]).toEqual({ id: 'd', text: 'great', label: 'neg', predicted: 'pos', confidence: 0.95 });
    expect(m[0]).not.toHaveProperty('scores');
  });

  it('keeps every class score when asked, and breaks ties by id so resumed runs see the same order', () => {
    const tied = mistakesOf([{ id: 'z', text: 'x', label: 'neg' }, { id: 'y', text: 'x', label: 'neg' }], [[0.2, 0.8], [0.2, 0.8]], labels, { withScores: true });
    expect(tied.map((x) => x.id)).toEqual(['y', 'z']);
    expect(tied[0].scores).toEqual([0.2, 0.8]);
  });
});
