/**
 * `distillery train --train T --val V --test S` where V and S share texts with T (issue 16): the
 * shared texts leave training (exact copies and copies in another case or with other surrounding
 * space), never validation or test; stderr and the summary JSON say how many; a validation file
 * that is the training file is refused with a clear message; and tfjs's "install our node backend"
 * banner is not printed, the backend that ran is named once in the project's words. Run as a user
 * runs it: the CLI in a child process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(process.cwd(), 'bin', 'distillery.js');
const GOOD = ['wonderful', 'delightful', 'brilliant', 'moving', 'charming', 'superb', 'touching', 'gripping'];
const BAD = ['dreadful', 'boring', 'tedious', 'clumsy', 'awful', 'dull', 'lifeless', 'pointless'];

function rows(words: string[], label: string, n: number, salt: number): { text: string; label: string }[] {
  return Array.from({ length: n }, (_, i) => ({ text: `the film is ${words[(i * 3 + salt) % words.length]} and ${words[(i + salt) % words.length]} number ${salt * 100 + i}`, label }));
}
const tsv = (xs: { text: string; label: string }[]) => 'text\tlabel\n' + xs.map((r) => `${r.text}\t${r.label}`).join('\n') + '\n';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }));
  });
}

let dir: string;
const train = [...rows(GOOD, 'pos', 30, 1), ...rows(BAD, 'neg', 30, 2)];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'train-overlap-'));
  writeFileSync(join(dir, 'train.tsv'), tsv(train));
  // Validation: 6 training texts as they are, 4 in upper case with spaces around, 6 new ones.
  const val = [
    ...train.slice(0, 3), ...train.slice(30, 33),
    ...train.slice(3, 5).map((r) => ({ ...r, text: `  ${r.text.toUpperCase()} ` })), ...train.slice(33, 35).map((r) => ({ ...r, text: `${r.text.toUpperCase()}  ` })),
    ...rows(GOOD, 'pos', 3, 7), ...rows(BAD, 'neg', 3, 8),
  ];
  writeFileSync(join(dir, 'val.tsv'), tsv(val));
  // Test: 3 training texts (one of them also a validation text, counted once, for validation) and new ones.
  writeFileSync(join(dir, 'test.tsv'), tsv([train[0], train[10], train[40], ...rows(GOOD, 'pos', 5, 5), ...rows(BAD, 'neg', 5, 6)]));
  writeFileSync(join(dir, 'neg-only.tsv'), tsv(train.filter((r) => r.label === 'neg')));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('distillery train with validation and test files that share texts with training', () => {
  it('leaves the shared texts out of training, says how many on stderr and in the summary, and prints no tfjs banner', async () => {
    const r = await cli(['train', '--train', join(dir, 'train.tsv'), '--val', join(dir, 'val.tsv'), '--test', join(dir, 'test.tsv'), '--epochs', '2', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary.overlap).toEqual({ val: 10, test: 2 });
    expect(summary.examples).toBe(60 - 12);
    // Validation and test keep every text: the scores rest on all of them, with their intervals.
    expect(summary.val.n).toBe(16);
    expect(summary.test.n).toBe(13);
    expect(summary.val.accuracyInterval[0]).toBeLessThanOrEqual(summary.val.accuracy);
    expect(summary.val.accuracyInterval[1]).toBeGreaterThanOrEqual(summary.val.accuracy);
    expect(r.stderr).toMatch(/Left out of training: 12 examples whose text is also in the validation set \(10\) or the test set \(2\)/);
    expect(r.stdout + r.stderr).not.toMatch(/install our node backend|looks like you are running TensorFlow/);
    expect(r.stderr.match(/tfjs backend: cpu/g)).toHaveLength(1);
  }, 120_000);

  it('refuses a validation file that would take every example of a class out of training', async () => {
    const r = await cli(['train', '--train', join(dir, 'train.tsv'), '--val', join(dir, 'neg-only.tsv'), '--epochs', '1', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Every training example of class 'neg' \(30\) is also a validation or test text/);
    expect(r.stdout).not.toMatch(/"val"/);
    const same = await cli(['train', '--train', join(dir, 'train.tsv'), '--val', join(dir, 'train.tsv'), '--epochs', '1', '--backend', 'cpu']);
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(/Every one of the 60 training examples is also a validation or test text \(60 in the validation set\)/);
  }, 120_000);
});
