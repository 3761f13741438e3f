/**
 * A head over the pretrained sentence encoder (the TF.js BERT) through the one student pipeline:
 * the Train step's use case trains it, its record describes the encoder in full (EncoderSpec kind
 * `sentence`: the weights' source, their sha256, pooling, length), and the bundle's input is
 * written from that description, never parsed from an id. Records older versions wrote (a loop
 * head that named its encoder by id; a head over the retired transformers.js encoder) still read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { studentInput } from '../../src/core/bundle/student-input.js';
import { textHash } from '../../src/core/dataset/hash.js';
import type { Example } from '../../src/core/dataset/example.js';
import { TransformerEncoder } from '../../src/core/encode/transformer-encoder.js';
import { MINILM } from '../../src/core/models/catalog.js';
import { createProject } from '../../src/core/projects/projects.js';
import { trainProject, type TrainEvent } from '../../src/core/projects/train.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { modelMeta } from '../../src/core/student/record.js';
import { dirFiles } from '../../src/core/transformer/files-node.js';

const TINY = 'tests/fixtures/tiny-bert';
const at = '2026-01-01T00:00:00.000Z';
const seed = (id: string, text: string, label: string): Example => ({ id, text, label, split: 'train', provenance: { source: 'seed', round: 0, createdAt: at } });

let encoder: TransformerEncoder;
beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-wasm');
  encoder = await TransformerEncoder.load(await dirFiles(TINY), { backends: ['wasm'] });
});
afterAll(async () => {
  await encoder.dispose();
  await tf.setBackend('cpu');
});

describe('a head over the sentence encoder', () => {
  it('trains through the project use case; its record names the encoder in full and the bundle input comes from that', async () => {
    const store = new MemoryStore();
    const pos = ['great', 'lovely', 'superb', 'wonderful', 'brilliant', 'charming', 'delightful', 'moving', 'excellent', 'warm'];
    const neg = ['dull', 'awful', 'boring', 'dreadful', 'tedious', 'clumsy', 'lifeless', 'terrible', 'bad', 'stupid'];
    const examples = [...pos.map((w, i) => seed(`p${i}`, `a ${w} film`, 'pos')), ...neg.map((w, i) => seed(`n${i}`, `a ${w} film`, 'neg'))];
    await createProject(store, { id: 'p', name: 'Reviews', examples });
    const events: TrainEvent[] = [];
    const { summary, student } = await trainProject(store, 'p', {
      features: { kind: 'vectors', encoder, cache: store }, backend: 'cpu', hyper: { epochs: 3 },
      onEvent: (e) => events.push(e),
    });
    student.model.dispose();
    // The texts were embedded once, with progress, and cached by (encoder id, text).
    const embeds = events.filter((e) => e.kind === 'embed');
    expect(embeds.at(-1)).toMatchObject({ done: summary.examples.val, total: summary.examples.val });
    expect(embeds.some((e) => e.kind === 'embed' && e.done === summary.examples.train && e.total === summary.examples.train)).toBe(true);
    expect((await store.getEmbeddings(encoder.id, [textHash('a lovely film')]))[0]).toHaveLength(32);

    const meta = modelMeta((await store.getModel(summary.modelId))!);
    const sha = encoder.model.weightsSha256;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.spec).toMatchObject({ kind: 'mlp', labels: ['neg', 'pos'] });
    expect(meta.spec.kind === 'mlp' && meta.spec.input.encoder).toEqual({
      kind: 'sentence', id: encoder.id, dim: 32, model: { from: 'local', fingerprint: sha.slice(0, 16) },
      weightsSha256: sha, pooling: 'mean', normalize: true, maxTokens: 64,
    });
    const described = await studentInput(meta);
    expect(described.input).toEqual({
      kind: 'sentence-embedding', model: `local:${sha.slice(0, 16)}`, revision: 'none', dim: 32,
      pooling: 'mean', normalize: true, maxTokens: 64, weightsSha256: sha,
    });
  }, 60_000);

  it.runIf(existsSync(`${MINILM.dir}/model.safetensors`))('the catalog\'s MiniLM is named by its hub repository, wherever its copy was read from', async () => {
    const minilm = await TransformerEncoder.load(await dirFiles(MINILM.dir), { backends: ['wasm'] });
    try {
      expect(minilm.spec).toMatchObject({
        kind: 'sentence', id: 'bert:53aa51172d142c89:mean-l2:256', dim: 384,
        model: { from: 'hub', model: 'sentence-transformers/all-MiniLM-L6-v2', revision: 'main' },
        weightsSha256: MINILM.files.find((f) => f.path === 'model.safetensors')!.sha256, pooling: 'mean', normalize: true, maxTokens: 256,
      });
    } finally {
      await minilm.dispose();
    }
  }, 60_000);

  it('older records still read: a loop head named by its TF.js encoder id, a head over the retired transformers.js encoder', async () => {
    const hyper = { hidden: 64, labels: ['neg', 'pos'] };
    const bert = modelMeta({ meta: { kind: 'head', ...hyper, encoder: 'bert:53aa51172d142c89:mean-l2:256', dim: 384 } });
    expect(bert.spec.kind === 'mlp' && bert.spec.input.encoder).toEqual({
      kind: 'sentence', id: 'bert:53aa51172d142c89:mean-l2:256', dim: 384,
      model: { from: 'hub', model: 'sentence-transformers/all-MiniLM-L6-v2', revision: 'main' },
      weightsSha256: '53aa51172d142c89', pooling: 'mean', normalize: true, maxTokens: 256,
    });
    expect((await studentInput(bert)).input).toMatchObject({ kind: 'sentence-embedding', model: 'sentence-transformers/all-MiniLM-L6-v2', weightsSha256: '53aa51172d142c89' });

    const onnx = modelMeta({ meta: { kind: 'head', ...hyper, encoder: 'st:hub:Xenova/all-MiniLM-L6-v2@main:q8', dim: 384 } });
    expect(onnx.spec.kind === 'mlp' && onnx.spec.input.encoder).toMatchObject({ kind: 'retired-onnx', dtype: 'q8', model: { from: 'hub', model: 'Xenova/all-MiniLM-L6-v2', revision: 'main' } });
    // Its bundle names the ONNX variant and no weights hash: the bundle's loader then says it was made for the retired encoder.
    const input = (await studentInput(onnx)).input;
    expect(input).toMatchObject({ kind: 'sentence-embedding', model: 'Xenova/all-MiniLM-L6-v2', dtype: 'q8' });
    expect(input).not.toHaveProperty('weightsSha256');
  });
});
