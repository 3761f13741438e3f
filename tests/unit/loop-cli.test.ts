/**
 * `distillery run` as a user runs it, against a real HTTP teacher-sim on 127.0.0.1 and the real
 * student: bad setups refused before any teacher call, and a run killed (SIGKILL) at several points
 * that, started again with the same command, ends with the same final counts as one never killed.
 * The data are sentences this test writes itself, so it needs nothing from ../shared.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTeacherSim, type TeacherSim } from '../../src/core/teacher/sim/server.js';

const BIN = join(process.cwd(), 'bin', 'distillery.js');
const POS = ['wonderful', 'delightful', 'brilliant', 'moving', 'charming', 'superb', 'touching', 'hilarious', 'gripping', 'beautiful', 'excellent', 'lovely'];
const NEG = ['dreadful', 'boring', 'tedious', 'clumsy', 'awful', 'dull', 'lifeless', 'pointless', 'bland', 'terrible', 'messy', 'weak'];
const NOUN = ['film', 'movie', 'story', 'script', 'cast', 'plot', 'ending', 'score', 'picture', 'drama'];

function sentences(words: string[], label: string, n: number, salt: number): { text: string; label: string }[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const a = words[(i * 7 + salt) % words.length];
    const b = words[(i * 5 + salt * 3 + 1) % words.length];
    out.push({ text: `the ${NOUN[(i + salt) % NOUN.length]} is ${a} and ${b} number ${salt * 1000 + i}`, label });
  }
  return out;
}
const tsv = (rows: { text: string; label: string }[]) => 'text\tlabel\n' + rows.map((r) => `${r.text}\t${r.label}`).join('\n') + '\n';

interface Result { code: number | null; stdout: string; stderr: string; killed: boolean }

/** Runs the CLI; with `killOn`, SIGKILLs it right after the first stderr line matching it. */
function cli(args: string[], killOn?: RegExp, killDelayMs = 0): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (killOn && !killed && killOn.test(stderr)) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), killDelayMs);
      }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, killed }));
  });
}

function lastJson(stdout: string) {
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

let dir: string;
let sim: TeacherSim;
let base: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loop-cli-'));
  const pool = [...sentences(POS, 'positive', 300, 1), ...sentences(NEG, 'negative', 300, 2)];
  writeFileSync(join(dir, 'seeds.tsv'), tsv([...sentences(POS, 'positive', 4, 3), ...sentences(NEG, 'negative', 4, 4)]));
  // A few validation rows carry the other label, so every round's student has errors to extrapolate from.
  const flip = (rows: { text: string; label: string }[], label: string) => rows.map((r, i) => (i < 3 ? { ...r, label } : r));
  writeFileSync(join(dir, 'val.tsv'), tsv([...flip(sentences(POS, 'positive', 8, 5), 'negative'), ...flip(sentences(NEG, 'negative', 8, 6), 'positive')]));
  writeFileSync(join(dir, 'test.tsv'), tsv([...sentences(POS, 'positive', 20, 7), ...sentences(NEG, 'negative', 20, 8)]));
  writeFileSync(join(dir, 'onlypos.tsv'), tsv(sentences(POS, 'positive', 8, 9)));
  // Latency makes synthesis take long enough to be killed in the middle of it.
  sim = await startTeacherSim({ pool, latencyMs: 40, seed: 1 });
  base = ['run', '--seeds', join(dir, 'seeds.tsv'), '--val', join(dir, 'val.tsv'), '--test', join(dir, 'test.tsv'),
    '--teacher-url', sim.url, '--teacher-model', 'teacher-sim', '--strategy', 'generate', '--rounds', '2', '--budget', '60',
    '--concurrency', '2', '--epochs', '20'];
}, 60_000);

afterAll(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function counts(out: string) {
  const s = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  const synthetic = readFileSync(join(out, 'synthetic.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return {
    rounds: s.summary.rounds.map((r: { round: number; added: number; addedBySource: unknown; trainSize: number }) => [r.round, r.added, r.addedBySource, r.trainSize]),
    /** Each round's student's errors on the extrapolation half: what the next round's plan depends on. */
    errors: s.summary.rounds.map((r: { errors: number }) => r.errors) as number[],
    synthetic: synthetic.length,
    bySource: synthetic.reduce((m: Record<string, number>, e: { provenance: { source: string; round: number } }) => { const k = `${e.provenance.source}@${e.provenance.round}`; m[k] = (m[k] ?? 0) + 1; return m; }, {}),
    uniqueTexts: new Set(synthetic.map((e: { text: string }) => e.text)).size,
  };
}

describe('distillery run (CLI)', () => {
  let reference: ReturnType<typeof counts>;

  it('runs end to end and ends stdout with the summary JSON line', async () => {
    const out = join(dir, 'ref');
    const r = await cli([...base, '--out', out]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const s = lastJson(r.stdout);
    expect(s.rounds[0]).toMatchObject({ round: 0, added: 30 });
    expect(s.rounds.map((x: { round: number }) => x.round)).toEqual([0, 1, 2]);
    expect(s.rounds.reduce((n: number, x: { added: number }) => n + x.added, 0)).toBeLessThanOrEqual(60);
    for (const k of ['accuracy', 'macroF1']) {
      expect(typeof s.final.val[k]).toBe('number');
      expect(typeof s.final.test[k]).toBe('number');
      expect(typeof s.baseline.seedsOnly.test[k]).toBe('number');
    }
    expect(s.teacher.requests).toBeGreaterThan(0);
    expect(s.teacher.tokens).toBeGreaterThan(0);
    // No seed is a validation or test text; validation in two halves: 8 texts drive, 8 choose.
    expect(s.overlap).toEqual({ val: 0, test: 0 });
    expect(s.validation).toEqual({ extrapolation: 8, selection: 8 });
    expect(r.stderr).toMatch(/Validation in two halves: the student's errors on 8 texts drive extrapolation; 8 others/);
    expect(r.stderr).toMatch(/selection macro-F1 [\d.]+% \(95% [\d.]+–[\d.]+\) on 8 texts/);
    expect(r.stderr).not.toMatch(/install our node backend/);
    // The student beats chance on these easy sentences.
    expect(s.final.test.accuracy).toBeGreaterThan(0.7);
    reference = counts(out);
    expect(reference.synthetic).toBe(s.rounds.reduce((n: number, x: { added: number }) => n + x.added, 0));
    expect(reference.uniqueTexts).toBe(reference.synthetic);
    expect(readFileSync(join(out, 'student', 'model.json'), 'utf8')).toContain('distillery');
    expect(readFileSync(join(out, 'run-log.jsonl'), 'utf8')).toContain('"r0.trained"');
    // Done runs print the same summary again without asking the teacher anything.
    const again = await cli([...base, '--out', out]);
    expect(lastJson(again.stdout)).toEqual(s);
  }, 180_000);

  // Each point: the stderr line after which the process is SIGKILLed (plus a delay to land mid-step).
  const points: [string, RegExp, number][] = [
    ['after the data is prepared', /\[run\] prepare done/, 0],
    ['in the middle of round-0 synthesis', /\[run\] baseline\.seedsOnly done/, 150],
    ['after round-0 training', /\[run\] r0\.trained done/, 0],
    ['in the middle of extrapolation', /\[run\] r1\.plan done/, 60],
    ['after round-1 evaluation', /\[run\] r1\.evaluated done/, 0],
  ];
  for (const [name, line, delay] of points) {
    it(`killed ${name} and started again, completes with the same final counts`, async () => {
      expect(reference, 'the reference run must pass first').toBeDefined();
      const out = join(dir, `kill-${points.findIndex((p) => p[0] === name)}`);
      const killed = await cli([...base, '--out', out], line, delay);
      expect(killed.killed).toBe(true);
      expect(killed.code).not.toBe(0);
      // Every step the run reported done before the kill is in its log (a fire-and-forget append lost them).
      const reported = [...killed.stderr.matchAll(/\[run\] (\S+) done/g)].map((m) => m[1]);
      const logged = readFileSync(join(out, 'run-log.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.type === 'step').map((e) => e.step);
      expect(logged.slice(0, reported.length)).toEqual(reported);
      const resumed = await cli([...base, '--out', out]);
      expect(resumed.code).toBe(0);
      const got = counts(out);
      // The shared teacher-sim hands each run other pool texts (in an order that depends on timing),
      // so a round's student, and with it the number of errors the next round extrapolates from,
      // can differ from the reference run's by a borderline text. Where the errors agree, the
      // resumed run's plan must be the reference's to the example; where they do not, the next
      // rounds follow their own plan (checked by the totals below).
      let same = true;
      for (let k = 0; k < reference.rounds.length; k++) {
        if (!same) break;
        expect(got.rounds[k]).toEqual(reference.rounds[k]);
        same = got.errors[k] === reference.errors[k];
      }
      if (same) expect(got).toEqual(reference);
      expect(got.synthetic).toBe(got.rounds.reduce((n: number, r: [number, number]) => n + r[1], 0));
      expect(got.synthetic).toBeLessThanOrEqual(60);
      expect(got.uniqueTexts).toBe(got.synthetic);
    }, 180_000);
  }

  it('trains a head on a sentence encoder read from a local model folder (--encoder PATH)', async () => {
    const out = join(dir, 'sentence');
    const r = await cli([...base.map((a, i) => (base[i - 1] === '--rounds' ? '0' : base[i - 1] === '--budget' ? '20' : a)), '--encoder', resolve('tests/fixtures/tiny-bert'), '--out', out]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(lastJson(r.stdout).rounds).toHaveLength(1);
    const model = JSON.parse(readFileSync(join(out, 'student', 'model.json'), 'utf8'));
    // The saved student describes its input itself: a head over the local folder's encoder, the TF.js BERT.
    expect(model.distillery.spec).toMatchObject({ kind: 'mlp', input: { encoder: { kind: 'sentence', model: { from: 'local' } } } });
    expect(model.distillery.spec.input.encoder.id).toMatch(/^bert:[0-9a-f]{16}:mean-l2:64$/);
    // The word student reads GloVe itself: pairing it with a sentence encoder is refused.
    const bad = await cli([...base, '--encoder', resolve('tests/fixtures/tiny-bert'), '--student', 'word', '--out', join(dir, 'bad-word')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--student word reads GloVe word vectors itself/);
  }, 180_000);

  it('fine-tunes the transformer every round with --student finetune (the tiny BERT folder as --encoder), and the kept round exports and predicts', async () => {
    const out = join(dir, 'finetune');
    const args = base.map((a, i) => (base[i - 1] === '--rounds' ? '1' : base[i - 1] === '--budget' ? '20' : base[i - 1] === '--epochs' ? '2' : a));
    // --train-layers 1: the top layer of the fixture's 2 trains over the cached outputs of the lower one.
    const r = await cli([...args, '--encoder', resolve('tests/fixtures/tiny-bert'), '--student', 'finetune', '--train-layers', '1', '--out', out]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(lastJson(r.stdout).rounds.map((x: { round: number }) => x.round)).toEqual([0, 1]);
    // Each training reports its steps (steps/s, ETA) on stderr.
    expect(r.stderr).toMatch(/\[run\] epoch 1 step 1\/\d+ .*steps\/s.*ETA/);
    const spec = JSON.parse(readFileSync(join(out, 'student', 'student.json'), 'utf8'));
    expect(spec).toMatchObject({ kind: 'transformer', labels: ['negative', 'positive'], input: { base: { model: { from: 'local' } } }, hyper: { trainLayers: 1 } });
    expect(readFileSync(join(out, 'student', 'model.safetensors')).byteLength).toBeGreaterThan(10_000);
    const zip = join(dir, 'finetune.zip');
    expect((await cli(['export', '--run', out, '--out', zip])).code).toBe(0);
    const p = await cli(['predict', '--bundle', zip, '--text', 'the film is wonderful and moving']);
    expect(p.code).toBe(0);
    const [line] = p.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(Object.keys(line.scores).sort()).toEqual(['negative', 'positive']);
    expect(line.scores.negative + line.scores.positive).toBeCloseTo(1, 5);
  }, 180_000);

  it('refuses bad setups with a clear message before any teacher call', async () => {
    const before = sim.core.stats?.requests;
    const cases: [string[], RegExp][] = [
      [['--seeds', join(dir, 'onlypos.tsv'), '--val', join(dir, 'val.tsv')], /No seed example for class 'negative'/],
      [['--val', join(dir, 'onlypos.tsv')], /validation set has no example of class 'negative'/],
      [['--budget', '3'], /budget of 3 examples is below one teacher request/],
      [['--test', join(dir, 'seeds.tsv')], /Every one of the 8 training examples is also a validation or test text \(8 in the test set\)/],
      [['--teacher-url', 'http://127.0.0.1:9/v1'], /teacher at http:\/\/127\.0\.0\.1:9\/v1 cannot be reached/],
    ];
    for (const [over, message] of cases) {
      const args = [...base];
      for (let i = 0; i < over.length; i += 2) {
        const at = args.indexOf(over[i]);
        if (at >= 0) args[at + 1] = over[i + 1]; else args.push(over[i], over[i + 1]);
      }
      const r = await cli([...args, '--out', join(dir, `bad-${over[0].slice(2)}`)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
    }
    expect(sim.core.stats?.requests).toBe(before);
  }, 120_000);
});
