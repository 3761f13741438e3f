/**
 * What a bundle says about the run that made its student, read from the store: the teacher model
 * is the run's own (LoopConfig.teacherModel), not whatever model some example in the project names.
 */
import { describe, expect, it } from 'vitest';
import { bundleInputFromStore } from '../../src/core/bundle/from-store.js';
import type { Example } from '../../src/core/dataset/example.js';
import { LOOP_DEFAULTS, type LoopConfig } from '../../src/core/loop/config.js';
import { MemoryStore } from '../../src/core/store/memory.js';

const at = '2026-01-01T00:00:00.000Z';
const LABELS = ['neg', 'pos'];

const example = (id: string, text: string, label: string, teacherModel?: string): Example => ({
  id, text, label, split: 'train',
  provenance: teacherModel ? { source: 'generated', round: 0, teacherModel, strategy: 'generate', createdAt: at } : { source: 'seed', round: 0, createdAt: at },
});

describe('a bundle made from a run folder', () => {
  it('names the teacher model of the run that trained the student', async () => {
    const store = new MemoryStore();
    await store.putProject({ id: 'p', name: 'Reviews', createdAt: at, updatedAt: at, labels: LABELS, settings: {} });
    // Examples an earlier run made with another teacher come first in the project.
    await store.putExamples('p', [
      example('a', 'a great film', 'pos', 'earlier-teacher'), example('b', 'a dull film', 'neg'),
      example('c', 'lovely', 'pos', 'run-teacher'),
    ]);
    const config: LoopConfig = { ...LOOP_DEFAULTS, runId: 'r', projectId: 'p', teacherModel: 'run-teacher', strategy: 'generate', rounds: 0, budget: 10 };
    await store.putRun({
      id: 'r', projectId: 'p', kind: 'loop', status: 'done', createdAt: at, updatedAt: at,
      state: { version: 1, fingerprint: 'x', config, labels: LABELS, steps: ['done'], rounds: [{ round: 0, modelId: 'm', added: {}, addedTotal: 1, rejected: {}, drivenBy: [], teacher: {} }], baselines: {}, finalRound: 0 } as never,
    });
    const vocab = ['<pad>', '<unk>', 'great', 'dull', 'film', 'lovely'];
    await store.putModel({
      id: 'm', projectId: 'p', runId: 'r', createdAt: at, weights: new ArrayBuffer(0),
      modelJson: { modelTopology: {}, weightSpecs: [] },
      meta: {
        labels: LABELS,
        spec: {
          formatVersion: 1, labels: LABELS, encoder: { kind: 'glove', id: 'glove:abc', dim: 4 },
          student: { kind: 'wordpool', hyper: { hidden: [], dropout: 0.5, learningRate: 2e-3, batchSize: 32, epochs: 3, patience: 4, seed: 1 } },
          preprocessing: { tokenizer: 'distillery-words-1', maxTokens: 8, vocab },
        },
      },
    });
    const input = await bundleInputFromStore(store, 'p');
    expect(input.teacher?.model).toBe('run-teacher');
  });
});
