/** Fixture data for the flow UI harness: deterministic, sized like a real project. */
import type { Example, Source, Split } from '../../../src/core/dataset/example';
import type { RoundMetrics, Misclassified } from '../../../src/app/evaluate/evaluation';
import { evaluate, type SetRole } from '../../../src/core/student/metrics';
import { scoreIntervals } from '../../../src/core/student/intervals';

export const LABELS = ['billing', 'bug report', 'feature request', 'praise'];

const WORDS = ['invoice', 'crash', 'please add', 'love it', 'refund', 'error 500', 'dark mode', 'great support', 'charged twice', 'freezes', 'export to csv', 'fantastic'];

/** A little PRNG so every run sees the same data. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

export function makeExamples(n: number): Example[] {
  const r = rng(7);
  const sources: Source[] = ['seed', 'generated', 'annotated', 'extrapolated'];
  const out: Example[] = [];
  for (let i = 0; i < n; i++) {
    const label = LABELS[i % LABELS.length];
    const source = i < 32 ? 'seed' : sources[1 + Math.floor(r() * 3)];
    const split: Split = i < 24 ? 'train' : i < 32 ? 'val' : 'train';
    const round = source === 'extrapolated' ? 1 + Math.floor(r() * 2) : 0;
    const w = () => WORDS[Math.floor(r() * WORDS.length)];
    out.push({
      id: `ex-${i}`,
      text: `Example ${i}: the customer wrote about ${w()} and ${w()}, then mentioned ${w()} again in a longer sentence that needs truncating in the table.`,
      label,
      split,
      provenance: { source, round, createdAt: '2026-01-01T00:00:00Z', strategy: source === 'generated' ? 'generate' : undefined },
    });
  }
  return out;
}

function metricsAt(quality: number, n: number, seed: number) {
  const r = rng(seed);
  const yTrue: number[] = [];
  const scores: number[][] = [];
  for (let i = 0; i < n; i++) {
    const t = i % LABELS.length;
    yTrue.push(t);
    const row = LABELS.map(() => r());
    if (r() < quality) row[t] += 2;
    const sum = row.reduce((a, b) => a + b, 0);
    scores.push(row.map((v) => v / sum));
  }
  const m = evaluate(yTrue, scores, LABELS);
  return { m: { accuracy: m.accuracy, macroF1: m.macroF1, confusion: m.confusion, perClass: m.perClass, n: m.n }, yTrue, scores };
}

/** Metrics as the loop and the Train step store them: with their intervals and the set they rest on. */
function on(role: SetRole, key: string, x: ReturnType<typeof metricsAt>) {
  return { ...x.m, intervals: scoreIntervals(x.m), set: { role, key } };
}

export function makeRounds(): { rounds: RoundMetrics[]; misclassified: Misclassified[] } {
  const q = [0.55, 0.7, 0.78];
  // A synthesis run's rounds on their selection half, then the Train step's model on all of validation; one test set.
  const rounds: RoundMetrics[] = q.map((quality, round) => ({ round, source: 'synthesis', mistakesOn: 'extrapolation', val: on('selection', 'sel', metricsAt(quality, 40, 11 + round)), test: on('test', 'test', metricsAt(quality - 0.03, 200, 31 + round)) }));
  rounds.push({ round: 3, source: 'train-step', mistakesOn: 'validation', val: on('validation', 'val', metricsAt(0.8, 80, 14)), test: on('test', 'test', metricsAt(0.77, 200, 34)) });
  const last = metricsAt(0.78, 80, 13);
  const misclassified: Misclassified[] = [];
  last.scores.forEach((s, i) => {
    const p = s.indexOf(Math.max(...s));
    if (p !== last.yTrue[i]) {
      misclassified.push({ id: `val-${i}`, text: `Validation text ${i} <b>not bold</b> that the student got wrong`, label: LABELS[last.yTrue[i]], predicted: LABELS[p], confidence: s[p], scores: s });
    }
  });
  return { rounds, misclassified };
}
