/**
 * Evaluate shows one confusion matrix per round: the synthesis run's rounds and the Train step's
 * model. Each matrix must be read with the labels it was computed in. Here the seeds file lists
 * its labels in an order that is not sorted (sport, food, weather), so a round scored in the
 * file's order and a model scored in sorted order disagree on what row 0 means.
 */
import { describe, expect, it } from 'vitest';
import { projectEvaluation, type ProjectEvaluation } from '../../src/core/projects/evaluation.js';
import { evaluate } from '../../src/core/student/metrics.js';
import { MemoryStore } from '../../src/core/store/memory.js';

const at = '2026-01-01T00:00:00.000Z';
const FILE_ORDER = ['sport', 'food', 'weather'];
const SORTED = [...FILE_ORDER].sort();

/** (true, predicted) pairs a student made; the same pairs are scored in either label order. */
const ROUND0: [string, string][] = [['sport', 'sport'], ['sport', 'food'], ['food', 'food'], ['weather', 'sport'], ['weather', 'weather'], ['weather', 'weather']];
const TRAINED: [string, string][] = [['sport', 'sport'], ['sport', 'sport'], ['food', 'weather'], ['food', 'food'], ['weather', 'weather']];

/** A metrics record as the loop and the Train step store it, scored in `labels` order. */
function scored(pairs: [string, string][], labels: string[]) {
  const m = evaluate(pairs.map(([t]) => labels.indexOf(t)), pairs.map(([, p]) => labels.indexOf(p)), labels);
  return { accuracy: m.accuracy, macroF1: m.macroF1, confusion: m.confusion, perClass: m.perClass, n: m.n };
}

/** What the page shows for a round: cell (true, predicted) → count, read through its labels. */
function shown(e: ProjectEvaluation, round: number): Record<string, number> {
  const m = e.rounds.find((r) => r.round === round)!.val!;
  const labels = (m as { labels?: string[] }).labels ?? e.labels;
  const out: Record<string, number> = {};
  m.confusion.forEach((row, i) => row.forEach((n, j) => { if (n) out[`${labels[i]}→${labels[j]}`] = n; }));
  return out;
}

function expected(pairs: [string, string][]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [t, p] of pairs) out[`${t}→${p}`] = (out[`${t}→${p}`] ?? 0) + 1;
  return out;
}

describe('Evaluate with labels not in sorted order', () => {
  it('shows every round\'s confusion matrix with the labels it was computed in', async () => {
    const store = new MemoryStore();
    await store.putProject({ id: 'p', name: 'Topics', createdAt: at, updatedAt: at, labels: FILE_ORDER, settings: { synth: { runId: 'p:synth:1', settings: { mix: { generate: 1, annotate: 0, rationale: 0 }, budget: 10, rounds: 0, price: { input: 0, output: 0 } } } } });
    // The synthesis run scored its round in the order it was given (the project's).
    const r0 = scored(ROUND0, FILE_ORDER);
    await store.putRun({
      id: 'p:synth:1', projectId: 'p', kind: 'loop', status: 'done', createdAt: at, updatedAt: at,
      state: { version: 1, fingerprint: 'x', labels: FILE_ORDER, steps: ['done'], rounds: [{ round: 0, added: {}, addedTotal: 0, rejected: {}, drivenBy: [], teacher: {}, val: r0, errors: [] }], baselines: {}, finalRound: 0 } as never,
    });
    // The Train step's student scores in its own (sorted) label order.
    await store.putModel({
      id: 'm', projectId: 'p', createdAt: '2026-01-02T00:00:00.000Z', modelJson: {}, weights: new ArrayBuffer(0),
      meta: { labels: SORTED, metrics: { val: scored(TRAINED, SORTED) }, mistakes: [] },
    });
    const e = await projectEvaluation(store, 'p');
    expect(e.rounds.map((r) => r.round)).toEqual([0, 1]);
    expect(shown(e, 0)).toEqual(expected(ROUND0));
    expect(shown(e, 1)).toEqual(expected(TRAINED));
  });
});
