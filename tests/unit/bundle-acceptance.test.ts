/**
 * Acceptance for the downloadable student: the exported .zip, unzipped into a clean folder whose
 * only installed package is @tensorflow/tfjs (plus its own dependency closure), runs its usage
 * example in a separate Node process and gives the app's labels and probabilities (within 1e-5);
 * the stock `tf.loadLayersModel` loads its model.json over HTTP.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { writeBundle, type BundleInput } from '../../src/core/bundle/export.js';
import { readBundle } from '../../src/core/bundle/import.js';
import { openPredictor, type Prediction } from '../../src/core/bundle/predictor.js';
import { unzipFiles } from '../../src/core/bundle/zip.js';
import { fixtureExamples, trainTinyPooledStudent, trainTinyStudent } from './bundle-fixture.js';
import type { GloveEncoder } from '../../src/core/encode/glove.js';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

/** @tensorflow/tfjs and what it needs at run time (type-only packages left out). */
async function tfjsClosure(): Promise<string[]> {
  const seen = new Set<string>();
  const queue = ['@tensorflow/tfjs'];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name) || name.startsWith('@types/')) continue;
    seen.add(name);
    const pkg = JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
    queue.push(...Object.keys(pkg.dependencies ?? {}));
  }
  return [...seen];
}

/** A clean folder: the unzipped bundle and a node_modules holding only tfjs's closure. */
async function cleanInstall(zip: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'distillery-bundle-'));
  for (const [name, bytes] of Object.entries(unzipFiles(zip))) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), bytes);
  }
  for (const name of await tfjsClosure()) {
    await mkdir(dirname(join(dir, 'node_modules', name)), { recursive: true });
    await symlink(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }
  return dir;
}

/** Runs `node example.mjs --input texts.txt` with resolution kept inside the clean folder. */
async function runExample(dir: string, texts: string[]): Promise<Array<Prediction & { text: string }>> {
  await writeFile(join(dir, 'texts.txt'), texts.join('\n') + '\n');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
  const { stdout } = await run(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', 'example.mjs', '--input', 'texts.txt'], { cwd: dir, env, maxBuffer: 1 << 24 });
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

function expectSame(got: Array<Prediction & { text?: string }>, want: number[][], labels: string[]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => {
    const best = want[i].indexOf(Math.max(...want[i]));
    expect(g.label, `text ${i}`).toBe(labels[best]);
    labels.forEach((l, k) => expect(Math.abs(g.scores[l] - want[i][k]), `text ${i} ${l}`).toBeLessThanOrEqual(1e-5));
  });
}

const TEST_TEXTS = [
  'A great, wonderful film!', "I don't like it: boring &amp; awful.", 'The <br /> plot — tedious… and “lifeless”',
  'brilliant acting, 1,000 times better', 'what a waste', 'xyzzy qwerty', '', 'superb-funny re-imagining of a classic',
  'Terrible. Terrible. TERRIBLE!!!', 'it is a moving story and i loved it',
];

let dirs: string[] = [];
beforeAll(async () => { await tf.setBackend('cpu'); });
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

describe('a token-id student bundle in a clean folder', () => {
  let input: BundleInput;
  let model: tf.LayersModel;
  let encode: (t: string[]) => tf.Tensor;
  let dir: string;

  beforeAll(async () => {
    ({ input, model, encode } = await trainTinyStudent(fixtureExamples()));
    dir = await cleanInstall(await writeBundle(input));
    dirs.push(dir);
  }, 60_000);
  afterAll(() => model.dispose());

  it('runs example.mjs with only @tensorflow/tfjs installed and matches the app', async () => {
    const want = tf.tidy(() => (model.predict(encode(TEST_TEXTS)) as tf.Tensor).arraySync() as number[][]);
    const got = await runExample(dir, TEST_TEXTS.filter((t) => t !== ''));
    expectSame(got, want.filter((_, i) => TEST_TEXTS[i] !== ''), input.labels);
    expect(new Set(got.map((g) => g.label)).size, 'the fixture student tells the classes apart').toBe(2);
    // The app's own view of the same bundle agrees too.
    const predictor = await openPredictor(await readBundle(await writeBundle(input)));
    expectSame(await predictor.predict(TEST_TEXTS), want, input.labels);
    predictor.dispose();
  }, 120_000);

  it('loads with the stock tf.loadLayersModel from model.json', async () => {
    const server: Server = createServer(async (req, res) => {
      try {
        const body = await readFile(join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
        res.writeHead(200).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const loaded = await tf.loadLayersModel(`http://127.0.0.1:${port}/model.json`);
      const x = encode(TEST_TEXTS);
      const a = tf.tidy(() => (loaded.predict(x) as tf.Tensor).arraySync() as number[][]);
      const b = tf.tidy(() => (model.predict(x) as tf.Tensor).arraySync() as number[][]);
      x.dispose();
      a.forEach((row, i) => row.forEach((p, k) => expect(Math.abs(p - b[i][k])).toBeLessThanOrEqual(1e-6)));
      loaded.dispose();
    } finally {
      server.close();
    }
  });
});

describe('a word-vector (GloVe path) student bundle in a clean folder', () => {
  let input: BundleInput;
  let model: tf.LayersModel;
  let encoder: GloveEncoder;
  let dir: string;

  beforeAll(async () => {
    ({ input, model, encoder } = await trainTinyPooledStudent(fixtureExamples()));
    dir = await cleanInstall(await writeBundle(input));
    dirs.push(dir);
  }, 60_000);
  afterAll(() => model.dispose());

  it('carries the word-vector table and pools exactly like the core encoder', async () => {
    const texts = TEST_TEXTS.filter((t) => t !== '');
    const vecs = await encoder.encode(texts);
    const flat = new Float32Array(vecs.length * encoder.dim);
    vecs.forEach((v, i) => flat.set(v, i * encoder.dim));
    const want = tf.tidy(() => tf.softmax(model.predict(tf.tensor2d(flat, [vecs.length, encoder.dim])) as tf.Tensor).arraySync() as number[][]);
    const got = await runExample(dir, texts);
    expectSame(got, want, input.labels);
    expect(new Set(got.map((g) => g.label)).size).toBe(2);
    const predictor = await openPredictor(await readBundle(await writeBundle(input)));
    expectSame(await predictor.predict(texts), want, input.labels);
    predictor.dispose();
  }, 120_000);
});
