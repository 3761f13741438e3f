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
import { unzipFiles, zipFiles } from '../../src/core/bundle/zip.js';
import { buildManifest } from '../../src/core/bundle/manifest.js';
import { isUserError } from '../../src/core/errors.js';
import { fixtureExamples, trainTinyPooledStudent, trainTinyStudent } from './bundle-fixture.js';
import type { GloveEncoder } from '../../src/core/encode/glove.js';
import { TransformerEncoder } from '../../src/core/encode/transformer-encoder.js';
import { dirFiles } from '../../src/core/transformer/files-node.js';
import { studentInput } from '../../src/core/bundle/student-input.js';
import { STUDENT_DEFAULTS } from '../../src/core/student/defaults.js';
import { STUDENT_FORMAT_VERSION } from '../../src/core/student/spec.js';
import type { ModelParts } from '../../src/core/bundle/export.js';
import { LABELS, tinyWordTable } from './bundle-fixture.js';
import { GloveEncoder as CoreGlove } from '../../src/core/encode/glove.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { bundleInputFromStore } from '../../src/core/bundle/from-store.js';
import type { VectorSource } from '../../src/core/encode/word-vectors.js';
import { evaluate } from '../../src/core/student/metrics.js';
import { formatMetric } from '../../src/core/bundle/model-card.js';
import { LOOP_DEFAULTS } from '../../src/core/loop/config.js';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

/** @tensorflow/tfjs and what it needs at run time (type-only packages left out). */
async function tfjsClosure(roots = ['@tensorflow/tfjs']): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name) || name.startsWith('@types/')) continue;
    let pkg;
    try {
      pkg = JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
    } catch {
      continue; // an optional dependency for another platform, not installed
    }
    seen.add(name);
    // Optional ones too: sharp's native binary is one.
    queue.push(...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}));
  }
  return [...seen];
}

/** A clean folder: the unzipped bundle and a node_modules holding only tfjs's closure. */
async function cleanInstall(zip: Uint8Array, roots = ['@tensorflow/tfjs']): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'distillery-bundle-'));
  for (const [name, bytes] of Object.entries(unzipFiles(zip))) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), bytes);
  }
  for (const name of await tfjsClosure(roots)) {
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

  it('labels named __proto__ and constructor get their scores from example.mjs too', async () => {
    const labels = ['__proto__', 'constructor'];
    const renamed = { ...input, labels, examples: input.examples.map((e) => ({ ...e, label: e.label === 'neg' ? '__proto__' : 'constructor' })) };
    const d = await cleanInstall(await writeBundle(renamed));
    dirs.push(d);
    const [r] = await runExample(d, ['a great and wonderful film']);
    expect(Object.keys(r.scores)).toEqual(labels);
    expect(Object.values(r.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
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

describe('a sentence-encoder student bundle in a clean folder (tfjs + @huggingface/tokenizers only)', () => {
  const TINY = resolve(ROOT, 'tests/fixtures/tiny-bert');
  let encoder: TransformerEncoder;
  let model: tf.LayersModel;
  let input: BundleInput;
  let dir: string;

  beforeAll(async () => {
    encoder = await TransformerEncoder.load(await dirFiles(TINY));
    const examples = fixtureExamples();
    const embed = async (texts: string[]) => {
      const v = await encoder.encode(texts);
      const flat = new Float32Array(v.length * encoder.dim);
      v.forEach((row, i) => flat.set(row, i * encoder.dim));
      return tf.tensor2d(flat, [v.length, encoder.dim]);
    };
    model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [encoder.dim], units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) })] });
    model.compile({ optimizer: tf.train.adam(0.1), loss: 'sparseCategoricalCrossentropy' });
    const x = await embed(examples.map((e) => e.text));
    const y = tf.tensor1d(examples.map((e) => LABELS.indexOf(e.label!)));
    await model.fit(x, y, { epochs: 30, verbose: 0, shuffle: false });
    tf.dispose([x, y]);
    let parts: ModelParts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      parts = { modelTopology: a.modelTopology as object, weightSpecs: a.weightSpecs as ModelParts['weightSpecs'], weightData: a.weightData as ArrayBuffer };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    // The bundle's input as the exporter describes a head on this encoder (from the spec its record keeps).
    const described = await studentInput({ spec: { formatVersion: STUDENT_FORMAT_VERSION, kind: 'mlp', labels: LABELS, hyper: STUDENT_DEFAULTS.mlp, input: { encoder: encoder.spec } } });
    expect(described.input).toMatchObject({ kind: 'sentence-embedding', model: `local:${encoder.model.weightsSha256.slice(0, 16)}`, pooling: 'mean', normalize: true, maxTokens: 64 });
    input = { labels: LABELS, model: parts!, output: 'softmax', metrics: {}, examples, student: { kind: 'mlp', hyperparameters: {} }, input: described.input };
    dir = await cleanInstall(await writeBundle(input), ['@tensorflow/tfjs', '@huggingface/tokenizers']);
    dirs.push(dir);
    // A picked-folder encoder: the driver points the bundle at its copy (the hub serves known models).
    await writeFile(join(dir, 'run-local.mjs'), [
      "import { readFile } from 'node:fs/promises';",
      "import { load } from './distillery-student.mjs';",
      "const texts = (await readFile('texts.txt', 'utf8')).split('\\n').filter((t) => t !== '');",
      `const s = await load(new URL('.', import.meta.url), { encoderModel: ${JSON.stringify(TINY)} });`,
      'for (const [i, r] of (await s.predict(texts)).entries()) console.log(JSON.stringify({ text: texts[i], ...r }));',
    ].join('\n'));
  }, 120_000);
  afterAll(async () => { model?.dispose(); await encoder?.dispose(); });

  it('imports only tfjs and the tokenizer, runs the same BERT, and matches the core encoder + model', async () => {
    const texts = TEST_TEXTS.filter((t) => t !== '');
    const v = await encoder.encode(texts);
    const flat = new Float32Array(v.length * encoder.dim);
    v.forEach((row, i) => flat.set(row, i * encoder.dim));
    const want = tf.tidy(() => (model.predict(tf.tensor2d(flat, [v.length, encoder.dim])) as tf.Tensor).arraySync() as number[][]);
    await writeFile(join(dir, 'texts.txt'), texts.join('\n') + '\n');
    const { stdout } = await run(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', 'run-local.mjs'], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir }, maxBuffer: 1 << 24 });
    const got = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expectSame(got, want, input.labels);
    const module = await readFile(join(dir, 'distillery-student.mjs'), 'utf8');
    expect(module).not.toMatch(/@huggingface\/transformers|onnxruntime/);
  }, 120_000);

  it('refuses an encoder copy whose weights are not the ones it was trained on', async () => {
    const other = join(dir, 'other-encoder');
    await mkdir(join(other, '1_Pooling'), { recursive: true });
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) await writeFile(join(other, f), await readFile(join(TINY, f)));
    const weights = new Uint8Array(await readFile(join(TINY, 'model.safetensors')));
    weights[weights.length - 1] ^= 1;
    await writeFile(join(other, 'model.safetensors'), weights);
    await writeFile(join(dir, 'run-other.mjs'), `import { load } from './distillery-student.mjs';\nawait load(new URL('.', import.meta.url), { encoderModel: ${JSON.stringify(other)} });\n`);
    const r = await run(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', 'run-other.mjs'], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir } }).catch((e: { stderr: string }) => e);
    expect((r as { stderr: string }).stderr).toMatch(/not the ones this student was trained on/);
  }, 60_000);
});

describe('the loop\'s head student (core training, pooled GloVe) exported from the store', () => {
  it('gives the same labels and probabilities in a clean folder as the trained student', async () => {
    const examples = fixtureExamples();
    const { words, bin, wv } = tinyWordTable(examples);
    // The table as the app serves it, so the exporter reads it the way it reads public/vectors/.
    const files: Record<string, Uint8Array> = {
      'glove-100d.json': new TextEncoder().encode(JSON.stringify(wv.header)),
      [wv.header.files.vocab]: new TextEncoder().encode(words.join('\n') + '\n'),
      [wv.header.files.bin]: bin,
    };
    const vectors: VectorSource = { where: 'memory', read: async (n) => files[n] };
    const store = new MemoryStore();
    const now = new Date().toISOString();
    await store.putProject({ id: 'p', name: 'Loop student', createdAt: now, updatedAt: now, labels: LABELS, settings: {} });
    await store.putExamples('p', examples);
    const encoder = new CoreGlove(wv, { pooling: 'mean-max' });
    const { loopStudent } = await import('../../src/core/loop/students.js');
    const deps = loopStudent({ kind: 'vectors', encoder, cache: store }, { hyper: { hidden: [16], epochs: 30 } });
    const trained = await deps.train({
      labels: LABELS,
      train: examples.filter((e) => e.split === 'train').map((e) => ({ text: e.text, label: e.label!, weight: 1 })),
      val: examples.filter((e) => e.split === 'val').map((e) => ({ text: e.text, label: e.label! })),
      seed: 1,
    }, { store });
    await store.putModel(await trained.toRecord('m1', 'p', 'r1'));
    // The run's record of the kept round: the card must print exactly these numbers.
    const val = evaluate([0, 1, 1, 0], [[0.9, 0.1], [0.3, 0.7], [0.6, 0.4], [0.8, 0.2]], LABELS);
    await store.putRun({ id: 'r1', projectId: 'p', kind: 'loop', status: 'done', createdAt: now, updatedAt: now,
      state: { version: 1, fingerprint: 'f', steps: ['done'], labels: LABELS, baselines: {}, finalRound: 0,
        config: { ...LOOP_DEFAULTS, runId: 'r1', projectId: 'p', teacherModel: 'sim-teacher', budget: 10 },
        rounds: [{ round: 0, modelId: 'm1', val, added: {}, addedTotal: 0, rejected: {}, drivenBy: [], teacher: { requests: 0, failedRequests: 0, tokens: 0, promptTokens: 0, completionTokens: 0, cost: 0 } }] } });
    const input = await bundleInputFromStore(store, 'p', { vectors });
    expect(input.input.kind).toBe('word-vectors-pool');
    expect(input.metrics.val).toEqual(val);
    const card = new TextDecoder().decode(unzipFiles(await writeBundle(input))['README.md']);
    expect(card).toContain(`- accuracy: ${formatMetric(val.accuracy)}`);
    expect(card).toContain(`| pos | ${formatMetric(val.perClass[1].precision)} | ${formatMetric(val.perClass[1].recall)} | ${formatMetric(val.perClass[1].f1)} | 2 |`);
    expect(card).toContain('`sim-teacher`');
    const dir = await cleanInstall(await writeBundle(input));
    dirs.push(dir);
    const texts = TEST_TEXTS.filter((t) => t !== '');
    const want = await trained.predict(texts);
    expectSame(await runExample(dir, texts), want, LABELS);
    trained.dispose();
  }, 120_000);
});

describe('the student module\'s word student (StudentSpec, trained by the core)', () => {
  it('exports from its spec and runs in a clean folder with the core\'s labels and probabilities', async () => {
    const { trainStudent } = await import('../../src/core/student/student.js');
    const { predict } = await import('../../src/core/student/predict.js');
    const { studentInput } = await import('../../src/core/bundle/student-input.js');
    const examples = fixtureExamples();
    const { wv } = tinyWordTable(examples);
    const pick = (split: string) => {
      const xs = examples.filter((e) => e.split === split);
      return { texts: xs.map((e) => e.text), labels: xs.map((e) => e.label!) };
    };
    const features = { kind: 'words' as const, wv };
    const trained = await trainStudent(pick('train'), pick('val'), features, { backend: 'cpu', hyper: { epochs: 10 } });
    let parts: ModelParts | undefined;
    await trained.model.save(tf.io.withSaveHandler(async (a) => {
      parts = { modelTopology: a.modelTopology as object, weightSpecs: a.weightSpecs as ModelParts['weightSpecs'], weightData: a.weightData as ArrayBuffer };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const described = await studentInput({ spec: trained.spec });
    if (trained.spec.kind !== 'wordpool') throw new Error('expected a word student');
    expect(described.input).toMatchObject({ kind: 'token-ids', lookup: 'exact', padId: 0, oovId: 1, maxLen: trained.spec.input.ids.maxLen });
    const input: BundleInput = { ...described, labels: trained.spec.labels, model: parts!, metrics: {}, examples };
    const dir = await cleanInstall(await writeBundle(input));
    dirs.push(dir);
    // Hyphenated and unknown words are where an inexact copy of the preprocessing would differ.
    const texts = [...TEST_TEXTS.filter((t) => t !== ''), 'a re-imagining of a lifeless-yet-superb film', 'zzz qqq www '.repeat(30)];
    const want = await predict(trained, texts, features);
    const got = await runExample(dir, texts);
    expectSame(got, want.map((p) => p.scores), trained.spec.labels);
    trained.model.dispose();
  }, 180_000);
});

describe('a fine-tuned transformer bundle (the tiny BERT, trained by the core) in a clean folder (tfjs + @huggingface/tokenizers only)', () => {
  const TINY = resolve(ROOT, 'tests/fixtures/tiny-bert');
  let zip: Uint8Array;
  let want: Prediction[];
  let texts: string[];

  beforeAll(async () => {
    const { createProject } = await import('../../src/core/projects/projects.js');
    const { trainProject } = await import('../../src/core/projects/train.js');
    const { predict } = await import('../../src/core/student/predict.js');
    const { readSentenceTransformer } = await import('../../src/core/transformer/load.js');
    const store = new MemoryStore();
    await createProject(store, { id: 'p', name: 'Tiny fine-tuned', examples: fixtureExamples() });
    const base = await readSentenceTransformer(await dirFiles(TINY));
    const { summary, student } = await trainProject(store, 'p', {
      features: { kind: 'transformer', base }, backend: 'cpu',
      hyper: { epochs: 3, batchSize: 4, bodyLearningRate: 1e-2, learningRate: 3e-2, freezeEmbeddings: false },
    });
    texts = [...TEST_TEXTS.filter((t) => t !== ''), 'word '.repeat(300)];
    want = (await predict(student, texts)).map((p) => ({ label: p.label, scores: Object.fromEntries(student.spec.labels.map((l, i) => [l, p.scores[i]!])) }));
    student.model.dispose();
    const input = await bundleInputFromStore(store, 'p');
    expect(input.input).toMatchObject({ kind: 'transformer', weightsFile: 'model.safetensors', pooling: 'mean' });
    expect(input.metrics.val).toEqual(summary.val);
    zip = await writeBundle(input);
  }, 180_000);

  it('carries the whole model (safetensors, config, tokenizer) and no layers model', () => {
    const files = unzipFiles(zip);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['model.safetensors', 'config.json', 'tokenizer.json', 'tokenizer_config.json', 'inference.json', 'distillery-student.mjs']));
    expect(files['model.json']).toBeUndefined();
    const pkg = JSON.parse(new TextDecoder().decode(files['package.json']));
    expect(pkg.dependencies).toEqual({ '@tensorflow/tfjs': '^4.22.0', '@huggingface/tokenizers': '^0.2.0' });
    const card = new TextDecoder().decode(files['README.md']);
    expect(card).toMatch(/## Base model/);
    expect(card).toMatch(/fine-tuned from: `BERT [0-9a-f]{16}`/);
    expect(card).toMatch(/license of the base model: not recorded/);
    expect(card).toMatch(/size: [\d,]+ parameters, [\d.]+ MB/);
    expect(card).toMatch(/\| seed \| \d+ \|/);
  });

  it('predicts in a separate Node process exactly what the core predicted (within 1e-4)', async () => {
    const dir = await cleanInstall(zip, ['@tensorflow/tfjs', '@huggingface/tokenizers']);
    dirs.push(dir);
    const got = await runExample(dir, texts);
    expect(got).toHaveLength(want.length);
    got.forEach((g, i) => {
      expect(g.label).toBe(want[i]!.label);
      for (const l of LABELS) expect(Math.abs(g.scores[l]! - want[i]!.scores[l]!)).toBeLessThanOrEqual(1e-4);
    });
    // The app's own reader of the bundle (`distillery predict --bundle`, the Export step's try-it) agrees too.
    const predictor = await openPredictor(await readBundle(zip));
    const mine = await predictor.predict(texts);
    predictor.dispose();
    mine.forEach((g, i) => { for (const l of LABELS) expect(Math.abs(g.scores[l]! - want[i]!.scores[l]!)).toBeLessThanOrEqual(1e-5); });
  }, 120_000);

  it('runs on tfjs\'s wasm backend in Node when @tensorflow/tfjs-backend-wasm is installed beside it, with the same scores', async () => {
    const dir = await cleanInstall(zip, ['@tensorflow/tfjs', '@huggingface/tokenizers', '@tensorflow/tfjs-backend-wasm']);
    dirs.push(dir);
    await writeFile(join(dir, 'backend.mjs'), [
      "import * as tf from '@tensorflow/tfjs';",
      "import { load } from './distillery-student.mjs';",
      'const s = await load(new URL(\'.\', import.meta.url));',
      `const rows = await s.predict(${JSON.stringify(texts)});`,
      'console.log(JSON.stringify({ backend: tf.getBackend(), rows }));',
    ].join('\n'));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
    const { stdout } = await run(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', 'backend.mjs'], { cwd: dir, env, maxBuffer: 1 << 24 });
    const got = JSON.parse(stdout.split('\n').filter((l) => l.startsWith('{')).pop()!) as { backend: string; rows: Prediction[] };
    expect(got.backend).toBe('wasm');
    got.rows.forEach((g, i) => { for (const l of LABELS) expect(Math.abs(g.scores[l]! - want[i]!.scores[l]!)).toBeLessThanOrEqual(1e-4); });
  }, 120_000);

  /** The bundle with its files changed by `mutate` and the manifest rehashed to match (so only the model checks can refuse it). */
  async function altered(mutate: (f: Record<string, Uint8Array>) => void): Promise<Uint8Array> {
    const files = unzipFiles(zip);
    const createdAt = JSON.parse(new TextDecoder().decode(files['manifest.json'])).createdAt;
    delete files['manifest.json'];
    mutate(files);
    files['manifest.json'] = new TextEncoder().encode(JSON.stringify(await buildManifest(files, createdAt)));
    return zipFiles(files);
  }

  async function refusal(bytes: Uint8Array): Promise<{ code: string; message: string }> {
    try {
      await readBundle(bytes);
    } catch (e) {
      if (isUserError(e)) return e;
      throw e;
    }
    throw new Error('the bundle was accepted');
  }

  it('refuses a bundle whose weights are missing, cut short, not safetensors or not the config\'s model, naming the file', async () => {
    const missing = await refusal(await altered((f) => { delete f['model.safetensors']; }));
    expect(missing.code).toBe('bundle-missing-file');
    expect(missing.message).toMatch(/model\.safetensors/);

    const cut = await refusal(await altered((f) => { f['model.safetensors'] = f['model.safetensors']!.slice(0, f['model.safetensors']!.byteLength - 64); }));
    expect(cut.code).toBe('bundle-bad-file');
    expect(cut.message).toMatch(/model\.safetensors is cut short or damaged: .+'s bytes do not fit the file/);

    const junk = await refusal(await altered((f) => { f['model.safetensors'] = new TextEncoder().encode('not weights at all'); }));
    expect(junk.message).toMatch(/model\.safetensors is not a safetensors file/);

    // A config.json for a deeper model than the weights hold.
    const deeper = await refusal(await altered((f) => {
      const c = JSON.parse(new TextDecoder().decode(f['config.json']));
      f['config.json'] = new TextEncoder().encode(JSON.stringify({ ...c, num_hidden_layers: c.num_hidden_layers + 1 }));
    }));
    expect(deeper.message).toMatch(/model\.safetensors has no encoder\.layer\.\d+\./);

    // A head for other labels: one label more in labels.json and inference.json than the weights score.
    const moreLabels = await refusal(await altered((f) => {
      const labels = [...LABELS, 'other'];
      f['labels.json'] = new TextEncoder().encode(JSON.stringify(labels));
      const inf = JSON.parse(new TextDecoder().decode(f['inference.json']));
      f['inference.json'] = new TextEncoder().encode(JSON.stringify({ ...inf, labels }));
    }));
    expect(moreLabels.message).toMatch(new RegExp(`classifier\\.weight of shape \\[${LABELS.length},\\d+\\] where ${LABELS.length + 1} labels`));
  });
});
