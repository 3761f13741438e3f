import { describe, expect, it, beforeAll, afterAll, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { writeBundle, type BundleInput } from '../../src/core/bundle/export.js';
import { createBundleService } from '../../src/core/bundle/service.js';
import { readBundle } from '../../src/core/bundle/import.js';
import { NodeStore } from '../../src/core/store/node.js';
import { fixtureExamples, trainTinyStudent } from './bundle-fixture.js';
import { loadModelRecord } from '../../src/core/student/record.js';
import { predict } from '../../src/core/student/predict.js';

let input: BundleInput;
let dir: string;
let zipPath: string;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const w = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const l = vi.spyOn(console, 'log').mockImplementation((s) => { out += String(s) + '\n'; });
  const e = vi.spyOn(console, 'error').mockImplementation((s) => { err += String(s) + '\n'; });
  const ew = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  try {
    return { code: await main(args), out, err };
  } finally {
    w.mockRestore(); l.mockRestore(); e.mockRestore(); ew.mockRestore();
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  const t = await trainTinyStudent(fixtureExamples());
  input = t.input;
  t.model.dispose();
  dir = await mkdtemp(join(tmpdir(), 'distillery-cli-'));
  zipPath = join(dir, 'b.zip');
  await writeFile(zipPath, await writeBundle(input));
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('distillery predict', () => {
  it('prints one JSON line per --text, in order', async () => {
    const r = await cli(['predict', '--bundle', zipPath, '--text', 'a wonderful film', '--text', 'boring awful mess']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.label)).toEqual(['pos', 'neg']);
    expect(lines[0].text).toBe('a wonderful film');
    expect(lines[0].scores.pos + lines[0].scores.neg).toBeCloseTo(1, 5);
  });

  it('reads --input as one text per line', async () => {
    await writeFile(join(dir, 'texts.txt'), 'great movie\n\nwhat a waste of time\n');
    const r = await cli(['predict', '--bundle', zipPath, '--input', join(dir, 'texts.txt')]);
    expect(r.out.trim().split('\n').map((l) => JSON.parse(l).text)).toEqual(['great movie', 'what a waste of time']);
  });

  it('refuses a damaged bundle with the reason', async () => {
    const bytes = await readFile(zipPath);
    await writeFile(join(dir, 'cut.zip'), bytes.subarray(0, bytes.length - 30));
    const r = await cli(['predict', '--bundle', join(dir, 'cut.zip'), '--text', 'x']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/truncated zip/);
  });
});

describe('distillery export', () => {
  it('makes a bundle from a run folder\'s store', async () => {
    const run = join(dir, 'run');
    const store = await NodeStore.open(join(run, 'store'));
    await createBundleService(async () => store).importProject(await readFile(zipPath), 'b.zip');
    await store.close();
    const out = join(dir, 'again.zip');
    const r = await cli(['export', '--run', run, '--out', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.trim().split('\n').pop()!)).toMatchObject({ bundle: out, labels: ['neg', 'pos'] });
    const b = await readBundle(new Uint8Array(await readFile(out)));
    expect(b.examples).toHaveLength(input.examples.length);
  });

  it('--out in a missing folder or onto a folder: a clear message, before any work, and nothing left behind', async () => {
    const run = join(dir, 'run');
    const missing = await cli(['export', '--run', run, '--out', join(dir, 'no-such-folder', 'b.zip')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/the folder .*no-such-folder does not exist\. Create it first/);
    const onto = join(dir, 'a-folder');
    await mkdir(onto);
    const r = await cli(['export', '--run', run, '--out', onto]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--out .*a-folder is a folder\. Give the bundle's file name, e\.g\. --out .*a-folder\/distillery-student\.zip/);
    expect(await readdir(onto)).toEqual([]);
    expect((await readdir(dir)).filter((n) => /partial|\.tmp-/.test(n))).toEqual([]);
  });

  it('says when the folder is not a run folder', async () => {
    const r = await cli(['export', '--run', join(dir, 'nothing'), '--out', join(dir, 'x.zip')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not a Distillery run folder/);
  });
});

describe('distillery train → export → predict', () => {
  it('trains into a run folder that export bundles, and the bundle predicts what the stored student predicts', async () => {
    const POS = ['wonderful', 'delightful', 'brilliant', 'moving', 'charming', 'superb', 'lovely', 'excellent'];
    const NEG = ['dreadful', 'boring', 'tedious', 'clumsy', 'awful', 'dull', 'lifeless', 'terrible'];
    const rows = (words: string[], label: string) => Array.from({ length: 24 }, (_, i) => `the film is ${words[i % 8]} and ${words[(i * 3 + 1) % 8]} number ${i}\t${label}`);
    await writeFile(join(dir, 'train.tsv'), ['text\tlabel', ...rows(POS, 'positive'), ...rows(NEG, 'negative')].join('\n') + '\n');
    const run = join(dir, 'trained');
    const t = await cli(['train', '--train', join(dir, 'train.tsv'), '--epochs', '8', '--backend', 'cpu', '--out', run]);
    expect(t.code, t.err).toBe(0);
    // The plain model files are still written beside the store.
    expect(JSON.parse(await readFile(join(run, 'student.json'), 'utf8'))).toMatchObject({ kind: 'wordpool', labels: ['negative', 'positive'] });

    const zip = join(dir, 'trained.zip');
    const e = await cli(['export', '--run', run, '--out', zip]);
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out.trim().split('\n').pop()!)).toMatchObject({ bundle: zip, labels: ['negative', 'positive'], student: 'wordpool', examples: 48 });

    const texts = ['a wonderful and lovely film', 'a dreadful, boring mess', 'an excellent-yet-tedious picture'];
    const p = await cli(['predict', '--bundle', zip, ...texts.flatMap((x) => ['--text', x])]);
    expect(p.code, p.err).toBe(0);
    const got = p.out.trim().split('\n').map((l) => JSON.parse(l) as { label: string; scores: Record<string, number> });
    expect(got.slice(0, 2).map((r) => r.label)).toEqual(['positive', 'negative']);
    // The student in the run's store, loaded by the record module, gives the same scores.
    const store = await NodeStore.open(join(run, 'store'));
    const [record] = await store.listModels('train');
    await store.close();
    const student = await loadModelRecord(record);
    const want = await predict(student, texts);
    student.model.dispose();
    want.forEach((w, i) => w.scores.forEach((s, j) => expect(got[i].scores[student.spec.labels[j]]).toBeCloseTo(s, 5)));
  }, 120_000);
});

