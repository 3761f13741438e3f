/**
 * The `synth` and `teacher-sim` commands as a user runs them: child processes over real HTTP,
 * including a synth killed midway (SIGKILL) and run again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDataset } from '../../src/core/dataset/parse.js';
import { startTeacherSim, type TeacherSim } from '../../src/core/teacher/sim/server.js';
import type { Example } from '../../src/core/dataset/example.js';
import type { RequestRecord } from '../../src/core/store/store.js';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'bin/distillery.js');
const poolFile = join(root, 'tests/fixtures/teacher-pool.tsv');
const pool = parseDataset(readFileSync(poolFile), 'teacher-pool.tsv').examples.map((e) => ({ text: e.text, label: e.label! }));
const sst2 = join(root, '../shared/datasets/sst2_sentence');

let sim: TeacherSim | undefined;
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sim?.close(); sim = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string { const d = mkdtempSync(join(tmpdir(), 'distillery-teacher-')); dirs.push(d); return d; }

function cli(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const readJsonl = <T>(path: string): T[] => existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T) : [];
const journalLines = (out: string): RequestRecord[] => {
  const dir = join(out, 'store/requests/synth');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => { try { return readJsonl<RequestRecord>(join(dir, f)); } catch { return []; } });
};

describe('distillery synth / teacher-sim', () => {
  it('teacher-sim prints its URL, serves /v1/models and stops cleanly on SIGTERM', async () => {
    const { child, done } = cli(['teacher-sim', '--pool', poolFile, '--port', '0', '--faults', '500=0.1']);
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d) => { buf += d; const m = buf.match(/listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/); if (m) resolve(m[1]); });
      child.on('close', () => reject(new Error('teacher-sim exited early')));
    });
    const models = await (await fetch(url + '/models')).json();
    expect(models.data[0].id).toBe('teacher-sim');
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
    expect(lastJson(r.stdout).requests).toBe(0);
  });

  it('teacher-sim\'s banner counts labels named constructor, toString and __proto__ (issue 18)', async () => {
    const { child, done } = cli(['teacher-sim', '--pool', join(root, 'tests/fixtures/hostile/proto-labels.csv'), '--port', '0']);
    let err = '';
    child.stderr!.on('data', (d) => { err += d; });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      // Listening means the banner is out and the SIGTERM handler is in place.
      child.stdout!.on('data', (d) => { out += d; if (/listening on/.test(out)) resolve(); });
      child.on('close', () => reject(new Error('teacher-sim exited early: ' + err)));
    });
    expect(err).toMatch(/teacher-sim: 16 texts \(constructor: 4, toString: 4, __proto__: 4, hasOwnProperty: 4\)/);
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });

  it('teacher-sim refuses a bad fault spec with a clear message', async () => {
    const r = await cli(['teacher-sim', '--pool', poolFile, '--port', '0', '--faults', 'teapot=0.5']).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Unknown fault 'teapot'/);
  });

  it('resumes a killed synth without repeating requests, duplicating or losing examples', async () => {
    sim = await startTeacherSim({ pool, latencyMs: 200, faults: { '500': 0.1 }, retryAfterMs: 50, seed: 3 });
    const dir = tmp();
    const seeds = join(dir, 'seeds.tsv');
    writeFileSync(seeds, 'text\tlabel\n' + ['sport', 'weather', 'food'].flatMap((l) => pool.filter((p) => p.label === l).slice(0, 2)).map((p) => `${p.text}\t${p.label}`).join('\n') + '\n');
    const out = join(dir, 'run');
    const args = ['synth', '--seeds', seeds, '--teacher-url', sim.url, '--teacher-model', 'teacher-sim', '--strategy', 'generate',
      '--n', '45', '--per-request', '3', '--concurrency', '2', '--out', out];

    const first = cli(args);
    for (let i = 0; i < 300 && journalLines(out).filter((r) => r.status === 'done').length < 4; i++) await new Promise((r) => setTimeout(r, 50));
    first.child.kill('SIGKILL');
    await first.done;
    const before = journalLines(out).filter((r) => r.status === 'done');
    expect(before.length).toBeGreaterThanOrEqual(4);
    expect(before.length).toBeLessThan(15);
    const storedBefore = readJsonl<Example>(join(out, 'store/examples/synth.jsonl'));
    const keptIds = new Set(before.flatMap((r) => r.acceptedIds));

    // A different concurrency is the same job: it resumes.
    const second = await cli(args.map((a) => (a === '2' ? '3' : a))).done;
    expect(second.code).toBe(0);
    const summary = lastJson(second.stdout);
    expect(summary.accepted).toBe(45);
    expect(summary.skippedRequests).toBe(before.length);
    expect(summary).toHaveProperty('rejected');
    expect(summary).toHaveProperty('failedRequests');
    expect(typeof summary.tokens).toBe('number');
    expect(typeof summary.seconds).toBe('number');

    const examples = readJsonl<Example>(join(out, 'synthetic.jsonl'));
    expect(examples).toHaveLength(45);
    expect(new Set(examples.map((e) => e.text)).size).toBe(45);
    expect(new Set(examples.map((e) => e.id)).size).toBe(45);
    // Everything the killed run had journaled is still there, unchanged.
    for (const e of storedBefore.filter((x) => keptIds.has(x.id))) expect(examples.find((x) => x.id === e.id)?.text).toBe(e.text);
    const done = journalLines(out).filter((r) => r.status === 'done');
    expect(new Set(done.map((r) => r.key)).size).toBe(done.length);
    expect(done.flatMap((r) => r.acceptedIds).sort()).toEqual(examples.map((e) => e.id).sort());
    for (const e of examples) expect(e.provenance).toMatchObject({ strategy: 'generate', teacherModel: 'teacher-sim', source: 'generated' });
  });

  it.skipIf(!existsSync(sst2))('acceptance (needs ../shared): 200 generated over SST-2 with 10% of requests failing', async () => {
    const train = join(sst2, 'stsa.binary.train');
    const bytes = readFileSync(train);
    const rows = parseDataset(bytes, 'stsa.binary.train').examples.map((e) => ({ text: e.text, label: e.label! }));
    sim = await startTeacherSim({ pool: rows, faults: { '429': 0.04, '500': 0.03, malformed: 0.03 }, retryAfterMs: 100, seed: 1 });
    const dir = tmp();
    const seeds = join(dir, 'seeds.txt');
    writeFileSync(seeds, readFileSync(join(sst2, 'stsa.binary.dev'), 'utf8').split('\n').filter(Boolean).filter((_, i) => i < 16).join('\n') + '\n');
    const out = join(dir, 'run');
    const r = await cli(['synth', '--seeds', seeds, '--teacher-url', sim.url, '--teacher-model', 'teacher-sim', '--strategy', 'generate',
      '--n', '200', '--concurrency', '8', '--out', out, '--avoid', join(sst2, 'stsa.binary.test')]).done;
    expect(r.code, r.stderr).toBe(0);
    const s = lastJson(r.stdout);
    expect(s.accepted).toBe(200);
    expect(s.failedRequests.rate_limited).toBeGreaterThan(0);
    expect(s.failedRequests.server_error).toBeGreaterThan(0);
    expect(s.failedRequests.malformed).toBeGreaterThan(0);
    const examples = readJsonl<Example>(join(out, 'synthetic.jsonl'));
    expect(examples).toHaveLength(200);
    expect(new Set(examples.map((e) => e.text.toLowerCase())).size).toBe(200);
  });
});
