import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync } from 'fflate';
import { buildBundleFiles, writeBundle } from '../../src/core/bundle/export.js';
import { readBundle } from '../../src/core/bundle/import.js';
import { zipFiles, unzipFiles } from '../../src/core/bundle/zip.js';
import { sha256Hex } from '../../src/core/bundle/manifest.js';
import { formatMetric, renderModelCard } from '../../src/core/bundle/model-card.js';
import { openPredictor } from '../../src/core/bundle/predictor.js';
import { isUserError, type UserError } from '../../src/core/errors.js';
import { fixtureExamples, trainTinyStudent } from './bundle-fixture.js';
import type { BundleInput } from '../../src/core/bundle/export.js';

let input: BundleInput;
let model: tf.LayersModel;
let encode: (t: string[]) => tf.Tensor;

beforeAll(async () => {
  await tf.setBackend('cpu');
  ({ input, model, encode } = await trainTinyStudent(fixtureExamples()));
}, 60_000);
afterAll(() => model?.dispose());

async function refusal(bytes: Uint8Array): Promise<UserError> {
  try {
    await readBundle(bytes);
  } catch (e) {
    if (isUserError(e)) return e;
    throw e;
  }
  throw new Error('the bundle was accepted');
}

async function rezip(mutate: (files: Record<string, Uint8Array>) => void | Promise<void>): Promise<Uint8Array> {
  const files = await buildBundleFiles(input);
  await mutate(files);
  return zipFiles(files);
}

describe('bundle export and import', () => {
  it('writes every file, with a manifest hashing each one', async () => {
    const files = await buildBundleFiles(input);
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json']));
    expect(manifest.formatVersion).toBe(1);
    for (const name of ['model.json', 'weights.bin', 'vocab.txt', 'inference.json', 'labels.json', 'README.md', 'distillery-student.mjs', 'example.mjs', 'data/train.jsonl', 'data/train.csv', 'metrics.json']) {
      expect(files[name], name).toBeDefined();
      expect(manifest.files[name].sha256).toBe(await sha256Hex(files[name]));
    }
    expect(Object.keys(manifest.files).sort()).toEqual(Object.keys(files).filter((n) => n !== 'manifest.json').sort());
  });

  it('reads back what it wrote, and the model predicts as the trained one did', async () => {
    const bundle = await readBundle(await writeBundle(input));
    expect(bundle.labels).toEqual(['neg', 'pos']);
    expect(bundle.examples).toHaveLength(input.examples.length);
    expect(bundle.examples[0].provenance).toEqual(input.examples[0].provenance);
    const before = tf.memory().numTensors;
    const p = await openPredictor(bundle);
    const texts = ['a wonderful, moving film', 'boring and awful', 'unseen words only xyzzy'];
    const got = await p.predict(texts);
    const want = tf.tidy(() => (model.predict(encode(texts)) as tf.Tensor).arraySync() as number[][]);
    got.forEach((g, i) => {
      expect(g.scores.neg).toBeCloseTo(want[i][0], 6);
      expect(g.scores.pos).toBeCloseTo(want[i][1], 6);
      expect(g.label).toBe(want[i][1] > want[i][0] ? 'pos' : 'neg');
    });
    p.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same bytes for the same input (stable names, times and order)', async () => {
    const a = await writeBundle(input);
    const b = await writeBundle(input);
    expect(await sha256Hex(a)).toBe(await sha256Hex(b));
  });

  it('never writes the teacher API key, whatever the caller passes', async () => {
    const secret = 'sk-live-THIS-MUST-NOT-LEAK-123';
    const leaky = {
      ...input,
      teacher: { model: 'gpt-x', baseUrl: `https://user:${secret}@api.example.com/v1?api_key=${secret}`, apiKey: secret } as BundleInput['teacher'],
      student: { ...input.student, spec: { teacher: { apiKey: secret, headers: { Authorization: `Bearer ${secret}` } } } },
      metrics: { ...input.metrics, settings: { openaiApiKey: secret } } as BundleInput['metrics'],
    };
    const zip = await writeBundle(leaky);
    const files = unzipFiles(zip);
    for (const [name, bytes] of Object.entries(files)) {
      expect(new TextDecoder().decode(bytes).includes(secret), name).toBe(false);
    }
    expect(Buffer.from(zip).includes(Buffer.from(secret))).toBe(false);
    const student = JSON.parse(new TextDecoder().decode(files['student.json']));
    expect(student.teacher.baseUrl).toBe('https://api.example.com/v1');
  });
});

describe('the model card', () => {
  it('prints exactly the recorded metrics, per class and overall', async () => {
    const files = await buildBundleFiles(input);
    const card = new TextDecoder().decode(files['README.md']);
    const recorded = JSON.parse(new TextDecoder().decode(files['metrics.json']));
    expect(recorded.val).toEqual(input.metrics.val);
    const val = card.slice(card.indexOf('### Validation'), card.indexOf('### Test'));
    expect(val).toContain(`- accuracy: ${formatMetric(recorded.val.accuracy)}`);
    expect(val).toContain(`- macro-F1: ${formatMetric(recorded.val.macroF1)}`);
    for (const c of recorded.val.perClass) {
      const row = val.split('\n').find((l: string) => l.startsWith(`| ${c.label} |`))!;
      const [, p, r, f, s] = row.split('|').map((x: string) => x.trim()).filter(Boolean);
      expect(Number(p)).toBeCloseTo(c.precision, 4);
      expect(Number(r)).toBeCloseTo(c.recall, 4);
      expect(Number(f)).toBeCloseTo(c.f1, 4);
      expect(p).toBe(formatMetric(c.precision));
      expect(Number(s)).toBe(c.support);
    }
  });

  it('states the task, labels, counts by source, teacher, templates, date and limits', async () => {
    const card = new TextDecoder().decode((await buildBundleFiles(input))['README.md']);
    expect(card).toContain('Is a movie review positive or negative?');
    expect(card).toContain('`neg`');
    expect(card).toContain('| seed | 4 |');
    expect(card).toContain('| generated | 4 |');
    expect(card).toContain('| extrapolated | 4 |');
    expect(card).toContain('`sim-teacher`');
    expect(card).toContain('`generate-v1`: write examples of a label');
    expect(card).toContain('2026-01-02T03:04:05.000Z');
    expect(card).toMatch(/## Intended use and limits/);
  });

  it('names a fine-tuned transformer\'s base model, its license, its size, and the measured accuracy', () => {
    const card = renderModelCard({
      name: 'Reviews', labels: ['neg', 'pos'], metrics: input.metrics, examples: input.examples, studentKind: 'transformer', hyperparameters: {},
      input: {
        kind: 'transformer', weightsFile: 'model.safetensors', configFile: 'config.json', tokenizerFile: 'tokenizer.json', tokenizerConfigFile: 'tokenizer_config.json',
        maxTokens: 64, pooling: 'mean',
        base: { name: 'all-MiniLM-L6-v2', model: 'sentence-transformers/all-MiniLM-L6-v2', revision: 'main', weightsSha256: '53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db', license: 'Apache-2.0', parameters: 22_714_370 },
      },
      weightsBytes: 90_870_000, createdAt: '2026-01-02T03:04:05.000Z',
    });
    expect(card).toContain('fine-tuned from: `all-MiniLM-L6-v2` (https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2, revision `main`)');
    expect(card).toContain('license of the base model: Apache-2.0');
    expect(card).toContain('size: 22,714,370 parameters, 90.9 MB');
    expect(card).toContain(`- accuracy: ${formatMetric(input.metrics.val!.accuracy)}`);
    expect(card).toContain('| seed | 4 |');
    expect(card).toContain('`@huggingface/tokenizers`');
  });
});

describe('bad bundles are refused, each with its own message', () => {
  it('a file that is not a zip', async () => {
    const e = await refusal(strToU8('name,label\nhello,pos\n'.repeat(10)));
    expect(e.code).toBe('bundle-not-zip');
    expect(e.message).toMatch(/not a zip/);
  });

  it('a truncated zip', async () => {
    const zip = await writeBundle(input);
    for (const cut of [0.5, 0.9, 0.999]) {
      const e = await refusal(zip.slice(0, Math.floor(zip.length * cut)));
      expect(e.code).toBe('bundle-truncated');
      expect(e.message).toMatch(/truncated/);
    }
  });

  it('a zip that is not a bundle', async () => {
    const e = await refusal(zipSync({ 'hello.txt': strToU8('hi') }));
    expect(e.code).toBe('bundle-no-manifest');
  });

  it('an unknown format version', async () => {
    const e = await refusal(await rezip((f) => {
      const m = JSON.parse(new TextDecoder().decode(f['manifest.json']));
      m.formatVersion = 99;
      f['manifest.json'] = strToU8(JSON.stringify(m));
    }));
    expect(e.code).toBe('bundle-unknown-version');
    expect(e.message).toMatch(/version 99/);
    expect(e.hint).toMatch(/Update Distillery/);
  });

  it('a missing file', async () => {
    const e = await refusal(await rezip((f) => { delete f['weights.bin']; }));
    expect(e.code).toBe('bundle-missing-file');
    expect(e.message).toMatch(/weights\.bin/);
  });

  it('a file whose hash does not match', async () => {
    const e = await refusal(await rezip((f) => { f['labels.json'] = strToU8('["neg","POS"]\n'); }));
    expect(e.code).toBe('bundle-hash-mismatch');
    expect(e.message).toMatch(/labels\.json/);
  });

  it('a zip that would unpack to far more than any bundle', async () => {
    const big = zipSync({ 'a.bin': [new Uint8Array(4 * 1024 * 1024), { level: 9 }] });
    expect(() => unzipFiles(big, 'The file', 1024 * 1024)).toThrow(/would unpack to more than 1 MB/);
  });

  it('gives six distinct messages for the six kinds of damage', async () => {
    const zip = await writeBundle(input);
    const cases = [
      strToU8('not a zip at all, just some text that is long enough'),
      zip.slice(0, zip.length - 10),
      zipSync({ 'a.txt': strToU8('x') }),
      await rezip((f) => { f['manifest.json'] = strToU8(new TextDecoder().decode(f['manifest.json']).replace('"formatVersion": 1', '"formatVersion": 2')); }),
      await rezip((f) => { delete f['model.json']; }),
      await rezip((f) => { f['vocab.txt'] = strToU8('changed\n'); }),
    ];
    const messages = await Promise.all(cases.map(async (c) => (await refusal(c)).message));
    expect(new Set(messages.map((m) => m.split(':')[0].slice(0, 40))).size).toBe(6);
  });
});
