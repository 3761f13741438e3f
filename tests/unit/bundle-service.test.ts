import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createBundleService } from '../../src/core/bundle/service.js';
import { writeBundle, type BundleInput } from '../../src/core/bundle/export.js';
import { readBundle } from '../../src/core/bundle/import.js';
import { unzipFiles } from '../../src/core/bundle/zip.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { fixtureExamples, trainTinyStudent } from './bundle-fixture.js';

let input: BundleInput;
beforeAll(async () => {
  await tf.setBackend('cpu');
  const t = await trainTinyStudent(fixtureExamples());
  input = t.input;
  t.model.dispose();
}, 60_000);

describe('the bundle service (the worker namespace)', () => {
  it('opens a bundle, predicts, and frees its tensors on close', async () => {
    const svc = createBundleService(async () => new MemoryStore());
    const before = tf.memory().numTensors;
    const opened = await svc.open(await writeBundle(input), 'b.zip');
    expect(opened.labels).toEqual(['neg', 'pos']);
    expect(opened.card).toContain('# Fixture sentiment');
    const [a, b] = await svc.predict(opened.handle, ['a wonderful film', 'boring awful mess']);
    expect(a.label).toBe('pos');
    expect(b.label).toBe('neg');
    await svc.close(opened.handle);
    expect(tf.memory().numTensors).toBe(before);
    await expect(svc.predict(opened.handle, ['x'])).rejects.toMatchObject({ code: 'bundle-closed' });
  });

  it('imports a bundle as a project and exports the same student again', async () => {
    const store = new MemoryStore();
    const svc = createBundleService(async () => store);
    const zip = await writeBundle(input);
    const id = await svc.importProject(zip, 'b.zip');
    expect((await store.getProject(id))?.labels).toEqual(['neg', 'pos']);
    expect(await store.listExamples(id)).toHaveLength(input.examples.length);
    const again = await readBundle(await svc.exportProject(id));
    const orig = unzipFiles(zip);
    expect(again.files['weights.bin']).toEqual(orig['weights.bin']);
    expect(again.files['vocab.txt']).toEqual(orig['vocab.txt']);
    expect(again.inference).toEqual(JSON.parse(new TextDecoder().decode(orig['inference.json'])));
    expect(JSON.parse(new TextDecoder().decode(again.files['metrics.json'])).val).toEqual(input.metrics.val);
  });

  it('exports the data of a project, and says so when there is no synthetic data', async () => {
    const store = new MemoryStore();
    const svc = createBundleService(async () => store);
    const id = await svc.importProject(await writeBundle(input), 'b.zip');
    const csv = await svc.exportDataset(id, 'csv', 'synthetic');
    expect(csv.name).toBe('synthetic.csv');
    expect(new TextDecoder().decode(csv.bytes).trim().split('\n')).toHaveLength(9);
    const hf = await svc.exportDataset(id, 'hf', 'all');
    expect(Object.keys(unzipFiles(hf.bytes)).sort()).toEqual(['README.md', 'data/train.jsonl', 'data/validation.jsonl']);
    await store.deleteExamples(id, input.examples.filter((e) => e.provenance.source !== 'seed').map((e) => e.id));
    await expect(svc.exportDataset(id, 'jsonl', 'synthetic')).rejects.toMatchObject({ code: 'no-synthetic' });
  });
});
