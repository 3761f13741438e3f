/**
 * `distillery train --encoder <folder> --student finetune`, then `export` and `predict --bundle`,
 * on the tiny BERT fixture (random weights, 2 layers): the whole CLI path of the fine-tuned
 * transformer. What `predict --bundle` prints is what the trained student (read back from the
 * run folder's store) predicts; training reports its steps (steps/s, ETA) on stderr.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import { NodeStore } from '../../src/core/store/node.js';
import { loadModelRecord } from '../../src/core/student/record.js';
import { predict } from '../../src/core/student/predict.js';
import { readBundle } from '../../src/core/bundle/import.js';

const ROOT = resolve(__dirname, '../..');
const TINY = join(ROOT, 'tests/fixtures/tiny-bert');
let dir: string;

/** Runs the CLI in-process; `onErr` sees stderr as it grows (to act at a point of the run). */
async function cli(args: string[], onErr?: (err: string) => void): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const addErr = (s: string) => { err += s; onErr?.(err); };
  const w = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const l = vi.spyOn(console, 'log').mockImplementation((s) => { out += String(s) + '\n'; });
  const e = vi.spyOn(console, 'error').mockImplementation((s) => { addErr(String(s) + '\n'); });
  const ew = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { addErr(String(s)); return true; });
  try {
    return { code: await main(args), out, err };
  } finally {
    w.mockRestore(); l.mockRestore(); e.mockRestore(); ew.mockRestore();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-cli-finetune-'));
  await copyFile(join(ROOT, 'tests/fixtures/train-3class.csv'), join(dir, 'train.csv'));
  await copyFile(join(ROOT, 'tests/fixtures/train-heldout.csv'), join(dir, 'test.csv'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const TEXTS = ['The striker scored a late goal', 'Stir the sauce and add a pinch of salt', 'Heavy rain and strong winds tomorrow'];

describe('distillery train --student finetune → export → predict --bundle (tiny BERT folder as --encoder)', () => {
  it('trains, writes the store and the model folder, reports steps, and the bundle predicts what the student does', async () => {
    const run = join(dir, 'run');
    const t = await cli(['train', '--train', join(dir, 'train.csv'), '--test', join(dir, 'test.csv'), '--encoder', TINY, '--student', 'finetune', '--epochs', '2', '--out', run]);
    expect(t.err).not.toMatch(/Error/);
    expect(t.code).toBe(0);
    const summary = JSON.parse(t.out.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ backend: 'wasm', examples: 48 });
    expect(summary.test.accuracy).toBeGreaterThanOrEqual(0);
    // Per-step progress from the trainer's onStep reports (not a TTY: each stage's first step and
    // each epoch's last). 16 texts per class: the SetFit pairs come first.
    expect(t.err).toMatch(/contrastive stage step 1\/\d+: loss [\d.]+, [\d.]+ steps\/s/);
    expect(t.err).toMatch(/epoch 1 step 1\/\d+ \(1\/\d+ in all\): loss [\d.]+, [\d.]+ steps\/s, [\d.]+ examples\/s, ETA \d+/);
    expect(t.err).toMatch(/epoch 2 step (\d+)\/\1 /);
    expect(t.err).toMatch(/epoch 2: loss [\d.]+, val acc/);
    // The model as a Hugging Face folder beside the store.
    expect((await readdir(run)).sort()).toEqual(['config.json', 'metrics.json', 'model.safetensors', 'store', 'student.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(JSON.parse(await readFile(join(run, 'student.json'), 'utf8'))).toMatchObject({ kind: 'transformer', labels: ['cooking', 'sports', 'weather'] });

    const zip = join(dir, 'b.zip');
    const x = await cli(['export', '--run', run, '--out', zip]);
    expect(x.code).toBe(0);
    const bundle = await readBundle(new Uint8Array(await readFile(zip)));
    expect(bundle.inference.input.kind).toBe('transformer');

    const p = await cli(['predict', '--bundle', zip, ...TEXTS.flatMap((s) => ['--text', s])]);
    expect(p.code).toBe(0);
    const got = p.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(got.map((g) => g.text)).toEqual(TEXTS);

    // The student the run kept, read back from its store, scores the same texts the same way.
    const store = await NodeStore.open(join(run, 'store'));
    const record = await store.getModel(summary.modelId);
    await store.close();
    const student = await loadModelRecord(record!);
    const want = await predict(student, TEXTS);
    student.model.dispose();
    got.forEach((g, i) => {
      expect(g.label).toBe(want[i]!.label);
      student.spec.labels.forEach((l, k) => expect(Math.abs(g.scores[l] - want[i]!.scores[k]!)).toBeLessThanOrEqual(1e-4));
    });
  }, 180_000);

  it('Ctrl-C after epoch 1 stops with exit 130; the same command resumes after epoch 1 instead of starting over', async () => {
    const run = join(dir, 'resumed');
    const args = ['train', '--train', join(dir, 'train.csv'), '--encoder', TINY, '--epochs', '3', '--seed', '7', '--out', run];
    let sent = false;
    const first = await cli(args, (err) => {
      if (!sent && /epoch 1: loss/.test(err)) { sent = true; process.emit('SIGINT'); }
    });
    expect(first.code).toBe(130);
    expect(first.err).toMatch(/run the same command again to resume/);
    expect(first.err).not.toMatch(/epoch 3: loss/);
    const again = await cli(args);
    expect(again.code).toBe(0);
    expect(again.err).toMatch(/Resuming from the checkpoint after epoch 1/);
    expect(again.err).not.toMatch(/epoch 1: loss/);
    expect(again.err).toMatch(/epoch 2 step 1\//);
    // Other data is another training: its checkpoint is not used.
    const other = await cli([...args.slice(0, 2), join(dir, 'test.csv'), ...args.slice(3)]);
    expect(other.err).not.toMatch(/Resuming/);
  }, 180_000);

  it('--train-layers K fine-tunes the top K layers over the cached lower ones, and the run records it', async () => {
    const run = join(dir, 'run-top');
    const t = await cli(['train', '--train', join(dir, 'train.csv'), '--encoder', TINY, '--student', 'finetune', '--epochs', '1', '--train-layers', '1', '--out', run]);
    expect(t.err).not.toMatch(/Error/);
    expect(t.code).toBe(0);
    // The user's K wins over the few-example rule's head alone (trainLayers 0) after SetFit's stage.
    const spec = JSON.parse(await readFile(join(run, 'student.json'), 'utf8'));
    expect(spec.hyper).toMatchObject({ trainLayers: 1, contrastivePairs: 20 });
  }, 180_000);

  it('refuses --student finetune over word vectors, and --student wordpool over a transformer, before reading any data', async () => {
    const a = await cli(['train', '--train', join(dir, 'missing.csv'), '--encoder', 'glove', '--student', 'finetune']);
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/--student finetune fine-tunes a pretrained transformer; --encoder glove is word vectors/);
    const b = await cli(['train', '--train', join(dir, 'missing.csv'), '--encoder', TINY, '--student', 'wordpool']);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/--student wordpool reads GloVe word vectors itself/);
    const c = await cli(['train', '--train', join(dir, 'missing.csv'), '--train-layers', '3']);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/--train-layers is for the fine-tuned transformer/);
    const d = await cli(['train', '--train', join(dir, 'missing.csv'), '--student', 'finetune', '--train-layers', 'two']);
    expect(d.code).toBe(1);
    expect(d.err).toMatch(/--train-layers must be a whole number of at least 0, not 'two'/);
  });
});
