/**
 * `distillery embed`: one JSON array per input text, in input order, equal to the PyTorch
 * reference (all-MiniLM-L6-v2 within 1e-4, through the real binary), progress on stderr only.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'distillery-embed-')); });
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await tf.setBackend('cpu');
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const w = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const e = vi.spyOn(console, 'error').mockImplementation((s) => { err += String(s) + '\n'; });
  const ew = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  try {
    return { code: await main(args), out, err };
  } finally {
    w.mockRestore(); e.mockRestore(); ew.mockRestore();
  }
}

const maxAbs = (got: number[][], want: number[][]) =>
  Math.max(...got.map((row, i) => Math.max(...row.map((v, j) => Math.abs(v - want[i]![j]!)))));

describe('distillery embed', () => {
  it('tiny BERT folder: one array per text, in order, equal to PyTorch', async () => {
    const ref = JSON.parse(readFileSync('tests/fixtures/tiny-bert-reference.json', 'utf8')) as { texts: string[]; mean_normalized: number[][] };
    const input = join(dir, 'tiny.jsonl');
    await writeFile(input, ref.texts.map((t) => JSON.stringify({ text: t })).join('\n') + '\n');
    const r = await cli(['embed', '--encoder', 'tests/fixtures/tiny-bert', '--input', input]);
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as number[]);
    expect(rows).toHaveLength(ref.texts.length);
    expect(maxAbs(rows, ref.mean_normalized)).toBeLessThan(1e-4);
    expect(r.err).toMatch(/13\/13/);
  });

  it('says what is wrong with a bad --encoder or a broken .jsonl line', async () => {
    const input = join(dir, 'bad.jsonl');
    await writeFile(input, '"fine"\n{"no_text": 1}\n');
    const enc = await cli(['embed', '--encoder', 'nonsense', '--input', input]);
    expect(enc.code).toBe(1);
    expect(enc.err).toMatch(/--encoder nonsense is neither glove, glove-mean-max, minilm nor a model folder/);
    const line = await cli(['embed', '--encoder', 'tests/fixtures/tiny-bert', '--input', input]);
    expect(line.code).toBe(1);
    expect(line.err).toMatch(/Line 2 of .*bad\.jsonl is neither a string nor an object with a "text" string/);
  });

  it.runIf(existsSync('public/models/all-MiniLM-L6-v2/model.safetensors'))('--encoder minilm --out FILE: the 40 reference texts within 1e-4 of sentence-transformers', async () => {
    const ref = JSON.parse(readFileSync('tests/fixtures/minilm-reference.json', 'utf8')) as { texts: string[]; embeddings: number[][] };
    const input = join(dir, 'ref.jsonl');
    const out = join(dir, 'out.jsonl');
    await writeFile(input, ref.texts.map((t) => JSON.stringify(t)).join('\n') + '\n');
    const r = await run(process.execPath, ['bin/distillery.js', 'embed', '--encoder', 'minilm', '--input', input, '--out', out]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/40 texts with bert:53aa51172d142c89:mean-l2:256 \(dim 384, tfjs wasm\)/);
    const rows = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as number[]);
    expect(rows).toHaveLength(40);
    const diff = maxAbs(rows, ref.embeddings);
    console.log(`distillery embed --encoder minilm: max |tfjs − torch| = ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
  }, 120_000);
});
