/**
 * The adversarial corpus (tests/fixtures/hostile/, made by scripts/make-hostile-corpus.ts) through
 * the real CLI commands, in-process: `inspect`, `train`, `synth` (against teacher-sim) and bundle
 * import (`predict --bundle`). Every file gets its expected outcome from expected.json: the clear
 * message, or a correct result. No command may throw (a stack trace), run past its time limit
 * (a hang), or grow memory past what the size caps allow (issue 18).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { parseDataset } from '../../src/core/dataset/parse.js';
import { startTeacherSim, type TeacherSim } from '../../src/core/teacher/sim/server.js';
import type { Entry, Outcome } from '../../scripts/make-hostile-corpus.js';

const DIR = fileURLToPath(new URL('../fixtures/hostile/', import.meta.url));
const entries: Entry[] = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));
/** Far above a slow shared machine's time for any command here; a hang hits it. */
const LIMIT_MS = 90_000;

let tmp: string;
const paths = new Map<string, string>();

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'distillery-hostile-'));
  for (const e of entries) {
    let p = join(DIR, e.file);
    if (e.special === 'dev-zero') p = '/dev/zero';
    if (e.special === 'fifo') { p = join(tmp, 'fifo.csv'); execFileSync('mkfifo', [p]); }
    if (e.special === 'folder') { p = join(tmp, 'folder.csv'); mkdirSync(p); }
    if (e.special === 'missing') p = join(tmp, 'missing.csv');
    if (e.special === 'sparse-60mb') { p = join(tmp, 'sparse-60mb.csv'); writeFileSync(p, ''); truncateSync(p, 60 * 1024 * 1024); }
    paths.set(e.file, p);
  }
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Ran { code: number; stdout: string; stderr: string }

/** Runs one CLI command in this process; a throw (a stack trace for a user) fails the test. */
async function cli(args: string[]): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; }),
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; }),
    vi.spyOn(console, 'log').mockImplementation((...s) => { stdout += s.join(' ') + '\n'; }),
    vi.spyOn(console, 'error').mockImplementation((...s) => { stderr += s.join(' ') + '\n'; }),
  ];
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await Promise.race([
      main(args),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`hang: ${args.join(' ')} ran past ${LIMIT_MS} ms`)), LIMIT_MS); }),
    ]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
    for (const s of spies) s.mockRestore();
  }
}

function expectOutcome(r: Ran, want: Outcome, what: string): void {
  expect(r.code, `${what}: exit status (stderr: ${r.stderr.slice(-400)})`).toBe(want.code);
  if (want.stderr) expect(r.stderr, what).toMatch(new RegExp(want.stderr));
  // A refusal is one line that names the file's problem, never a trace.
  expect(r.stderr, what).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

let peakRss = 0;
const noteRss = () => { peakRss = Math.max(peakRss, process.memoryUsage().rss); };

describe('the hostile corpus', () => {
  it('has every file expected.json names (regenerate with `npx tsx scripts/make-hostile-corpus.ts`)', () => {
    for (const e of entries) if (!e.special) expect(existsSync(join(DIR, e.file)), e.file).toBe(true);
    expect(entries.length).toBeGreaterThanOrEqual(35);
  });

  it('inspect: every file gets its message or its report', async () => {
    for (const e of entries) {
      const r = await cli(['inspect', paths.get(e.file)!]);
      expectOutcome(r, e.inspect, `inspect ${e.file}`);
      if (e.inspect.code === 0) {
        const s = lastJson(r.stdout);
        if (e.inspect.accepted !== undefined) expect(s.accepted, e.file).toBe(e.inspect.accepted);
        if (e.inspect.rows !== undefined) expect(s.rows, e.file).toBe(e.inspect.rows);
        if (e.inspect.classes) expect(Object.entries(s.classes), e.file).toEqual(Object.entries(e.inspect.classes));
        if (e.inspect.warnings) expect(s.warnings.map((w: { code: string }) => w.code), e.file).toEqual(e.inspect.warnings);
      }
      noteRss();
    }
  }, 300_000);

  it('bundle import: every file is predicted from or refused with the reason', async () => {
    for (const e of entries) {
      const r = await cli(['predict', '--bundle', paths.get(e.file)!, '--text', 'a good film']);
      expectOutcome(r, e.import, `predict --bundle ${e.file}`);
      if (e.import.code === 0) expect(Object.keys(JSON.parse(r.stdout.trim()).scores)).toEqual(['neg', 'pos']);
      noteRss();
    }
  }, 300_000);

  it('train: every file is trained on or refused before training', async () => {
    for (const e of entries) {
      const out = join(tmp, `train-${e.file}`);
      const r = await cli(['train', '--train', paths.get(e.file)!, '--epochs', '1', '--out', out]);
      expectOutcome(r, e.train, `train ${e.file}`);
      if (e.train.code === 0) {
        const s = lastJson(r.stdout);
        expect(s.val.accuracy, e.file).toBeGreaterThanOrEqual(0);
        expect(existsSync(join(out, 'model.json')), e.file).toBe(true);
      } else {
        expect(r.stderr, e.file).not.toMatch(/epoch 1:/);
      }
      noteRss();
    }
  }, 600_000);

  describe('synth', () => {
    let sim: TeacherSim | undefined;
    afterAll(async () => { await sim?.close(); });

    it('every seeds file is used or refused before the teacher is asked; what is made adds up', async () => {
      for (const e of entries) {
        const file = paths.get(e.file)!;
        // A teacher that knows the file's labels (texts of varied words, so none is a near duplicate).
        let labels: string[] = ['x', 'y'];
        if (e.synth.code === 0) labels = Object.keys(parseDataset(readFileSync(file), e.file).classes);
        await sim?.close();
        const words = 'amber basil cedar delta ember fjord grove heron inlet juniper kelp lotus maple nectar orchid pebble quartz raven sorrel tundra umber vale willow yarrow zephyr'.split(' ');
        const pool = labels.flatMap((l, k) => Array.from({ length: 12 }, (_, i) => ({ label: l, text: `${words[(i * 3 + k) % 25]} ${words[(i * 7 + 2 * k + 1) % 25]} ${words[(i * 11 + k + 5) % 25]} ${words[(i + 13 * k) % 25]} line ${k}-${i}` })));
        sim = await startTeacherSim({ pool, seed: 1 });
        const out = join(tmp, `synth-${e.file}`);
        const r = await cli(['synth', '--seeds', file, '--teacher-url', sim.url, '--teacher-model', 'teacher-sim', '--strategy', 'generate', '--n', String(2 * labels.length), '--per-request', '2', '--out', out]);
        expectOutcome(r, e.synth, `synth ${e.file}`);
        if (e.synth.code === 0) {
          const s = lastJson(r.stdout);
          expect(s.stopReason, e.file).toBe('done');
          expect(s.requested, e.file).toBe(s.accepted + sum(s.rejected) + sum(s.missing));
        } else {
          expect(sim.core.stats.requests, `${e.file}: refused before asking the teacher`).toBe(0);
        }
        noteRss();
      }
    }, 300_000);
  });

  it('memory stayed bounded: the 51 MB bomb, /dev/zero and the 1 MB bundle filler never came near a full read', () => {
    // tfjs, the GloVe table and the student account for a few hundred MB; a 5 GB /dev/zero read or
    // an inflated filler would be far above this.
    console.info(`hostile corpus: ${entries.length} inputs x 4 commands, peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB`);
    expect(peakRss).toBeLessThan(1024 ** 3);
  });
});
