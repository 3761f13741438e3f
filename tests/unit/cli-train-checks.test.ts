/**
 * `distillery train` refuses before training what would fail after it (issue 18, items 3 and 10):
 * a --test (or --val) label the training data lacks, and no validation example at all.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-train-checks-'));
  const rows = Array.from({ length: 10 }, (_, i) => `good movie number ${i}\tpos\nbad movie number ${i}\tneg`).join('\n');
  await writeFile(join(dir, 'train.tsv'), `text\tlabel\n${rows}\n`);
  await writeFile(join(dir, 'test.tsv'), 'text\tlabel\nan okay movie\tmeh\na good movie\tpos\nanother okay one\tmeh\n');
  await writeFile(join(dir, 'two.tsv'), 'text\tlabel\ngreat fun film\tpos\nawful dull film\tneg\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function train(args: string[]): Promise<{ code: number; err: string; out: string }> {
  let err = '';
  let out = '';
  const e = vi.spyOn(console, 'error').mockImplementation((s) => { err += String(s) + '\n'; });
  const w = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  try {
    return { code: await main(['train', ...args]), err, out };
  } finally { e.mockRestore(); w.mockRestore(); }
}

describe('distillery train: checks before training', () => {
  it('a --test label the training data lacks is refused with the label and its rows, before any epoch', async () => {
    const r = await train(['--train', join(dir, 'train.tsv'), '--test', join(dir, 'test.tsv'), '--epochs', '1', '--out', join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/The --test file has label 'meh' \(2 rows\) that the training data lacks/);
    expect(r.err).not.toMatch(/epoch 1/);
    expect(r.out).toBe('');
  });

  it('no validation example (two training rows) is refused with what to do, not reported as val accuracy 0', async () => {
    const r = await train(['--train', join(dir, 'two.tsv'), '--epochs', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/No validation examples: holding out 20% of each class left none \(there are 2 labeled training examples/);
    expect(r.err).toMatch(/Give --val FILE/);
    expect(r.out).not.toMatch(/"val"/);
  });
});
