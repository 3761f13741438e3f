/**
 * The exported model is the one the user picks (a synthesis round's or the Train step's), and its
 * bundle carries that model's numbers, each saying which set it rests on, how many texts and its
 * 95% interval, and the overlap left out of training (issues 16 and 19).
 */
import { describe, expect, it } from 'vitest';
import { bundleInputFromStore } from '../../src/core/bundle/from-store.js';
import { writeBundle } from '../../src/core/bundle/export.js';
import { readBundle } from '../../src/core/bundle/import.js';
import type { Example } from '../../src/core/dataset/example.js';
import { LOOP_DEFAULTS, type LoopConfig } from '../../src/core/loop/config.js';
import type { LoopState } from '../../src/core/loop/state.js';
import { modelChoices } from '../../src/core/projects/models.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { scoredOn } from '../../src/core/student/intervals.js';
import { evaluate } from '../../src/core/student/metrics.js';
import { formatMetric } from '../../src/core/bundle/model-card.js';

const LABELS = ['neg', 'pos'];
const example = (id: string, text: string, label: string): Example => ({ id, text, label, split: 'train', provenance: { source: 'seed', round: 0, createdAt: '2026-01-01T00:00:00.000Z' } });

/** Metrics of `right` correct out of `n` on a named set. */
function scored(right: number, n: number, role: 'validation' | 'selection' | 'test', salt: string) {
  const y = Array.from({ length: n }, (_, i) => i % 2);
  const p = y.map((t, i) => (i < right ? t : 1 - t));
  return scoredOn(evaluate(y, p, LABELS), role, y.map((_, i) => `${salt} ${i}`));
}

function model(id: string, createdAt: string, extra: { runId?: string; metrics?: unknown; training?: unknown }) {
  const vocab = ['<pad>', '<unk>', 'great', 'dull', 'film'];
  return {
    id, projectId: 'p', ...(extra.runId ? { runId: extra.runId } : {}), createdAt, weights: new ArrayBuffer(0),
    modelJson: { modelTopology: {}, weightSpecs: [] },
    meta: {
      labels: LABELS, metrics: extra.metrics, training: extra.training,
      spec: {
        formatVersion: 1, labels: LABELS, encoder: { kind: 'glove', id: 'glove:abc', dim: 4 },
        student: { kind: 'wordpool', hyper: { hidden: [], dropout: 0.5, learningRate: 2e-3, batchSize: 32, epochs: 3, patience: 4, seed: 1 } },
        preprocessing: { tokenizer: 'distillery-words-1', maxTokens: 8, vocab },
      },
    },
  };
}

async function project() {
  const store = new MemoryStore();
  await store.putProject({ id: 'p', name: 'Reviews', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', labels: LABELS, settings: {} });
  await store.putExamples('p', [example('a', 'a great film', 'pos'), example('b', 'a dull film', 'neg')]);
  const config: LoopConfig = { ...LOOP_DEFAULTS, runId: 'r', projectId: 'p', teacherModel: 'teacher', strategy: 'generate', rounds: 1, budget: 10 };
  const round = (n: number, right: number) => ({ round: n, modelId: `r:r${n}`, added: {}, addedTotal: 5, rejected: {}, drivenBy: [], teacher: {}, val: scored(right, 12, 'selection', 'sel'), test: scored(right * 10, 200, 'test', 'test') });
  const state = { version: 1, fingerprint: 'x', config, labels: LABELS, steps: ['done'], rounds: [round(0, 9), round(1, 10)], baselines: {}, finalRound: 1, overlap: { val: 3, test: 1 }, validation: { extrapolation: 12, selection: 12 } };
  await store.putRun({ id: 'r', projectId: 'p', kind: 'loop', status: 'done', createdAt: '2026-01-02T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z', state: state as unknown as LoopState });
  await store.putModel(model('r:r0', '2026-01-02T00:00:01.000Z', { runId: 'r' }) as never);
  await store.putModel(model('r:r1', '2026-01-02T00:00:02.000Z', { runId: 'r' }) as never);
  // The Train step's model, trained after the run on everything, scored on all of validation.
  await store.putModel(model('train-1', '2026-01-03T00:00:00.000Z', { metrics: { val: scored(20, 24, 'validation', 'val'), test: scored(150, 200, 'test', 'test') }, training: { backend: 'cpu', bestEpoch: 2, history: [], overlap: { val: 2, test: 0 }, droveLeftOut: 4 } }) as never);
  return store;
}

describe('choosing the model to export', () => {
  it('offers every round and the Train step\'s model with their own scores; the default is the newest of the kept round and the Train model', async () => {
    const store = await project();
    const { choices, defaultId } = await modelChoices(store, 'p');
    expect(choices.map((c) => [c.modelId, c.from, c.round ?? null, c.kept ?? null])).toEqual([
      ['train-1', 'train-step', null, null], ['r:r1', 'synthesis-round', 1, true], ['r:r0', 'synthesis-round', 0, false],
    ]);
    expect(choices[2].val?.n).toBe(12);
    expect(defaultId).toBe('train-1');
    expect((await bundleInputFromStore(store, 'p')).metrics.model).toEqual({ from: 'train-step' });
  });

  it('a round\'s bundle carries that round\'s numbers, says they rest on the selection half, with counts, intervals and the overlap', async () => {
    const store = await project();
    const input = await bundleInputFromStore(store, 'p', { modelId: 'r:r0' });
    expect(input.metrics.val?.accuracy).toBeCloseTo(9 / 12);
    expect(input.metrics).toMatchObject({ overlap: { val: 3, test: 1 }, validation: { extrapolation: 12, selection: 12 }, model: { from: 'synthesis-round', round: 0, rounds: 2 } });
    const bundle = await readBundle(await writeBundle(input), 'b.zip');
    const card = new TextDecoder().decode(bundle.files['README.md']);
    expect(card).toContain('### Validation, selection half (12 texts)');
    expect(card).toMatch(/Chose each student's training epoch and which round is kept \(round 0, of rounds 0–1\); never shown to the teacher/);
    const [lo, hi] = input.metrics.val!.intervals!.accuracy;
    expect(card).toContain(`- accuracy: ${formatMetric(9 / 12)} (95% interval ${formatMetric(lo)}–${formatMetric(hi)}, Wilson)`);
    expect(card).toMatch(/- macro-F1: [\d.]+ \(95% interval [\d.]+–[\d.]+, bootstrap over the texts, 1,000 draws\)/);
    expect(card).toContain('### Test (200 texts)');
    expect(card).toContain('Decided nothing');
    expect(card).toMatch(/the student's errors on 12 texts were sent to the teacher/);
    expect(card).toMatch(/4 training examples whose text is also in the validation set \(3\) or the test set \(1\) were left out of training/);
    expect(JSON.parse(new TextDecoder().decode(bundle.files['metrics.json'])).overlap).toEqual({ val: 3, test: 1 });
  });

  it('the Train step\'s bundle says its validation chose the epoch, and which texts it left out', async () => {
    const store = await project();
    const card = new TextDecoder().decode((await readBundle(await writeBundle(await bundleInputFromStore(store, 'p', { modelId: 'train-1' })), 'b.zip')).files['README.md']);
    expect(card).toContain('### Validation (24 texts)');
    expect(card).toMatch(/Chose the training epoch the model keeps \(early stopping\)/);
    expect(card).toMatch(/4 validation texts were left out of validation: a synthesis run sent their errors to the teacher/);
    expect(card).toMatch(/2 training examples whose text is also in the validation set \(2\) were left out of training/);
    expect(card).not.toContain('selection half');
  });
});
