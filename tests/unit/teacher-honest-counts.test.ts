/**
 * Issue 18, items 2 and 9: a changed avoid list on resume leaves no avoided text in the output,
 * and every summary adds up: requested = accepted + Σ rejected + Σ missing, with the reason for
 * what is missing; an annotation job that ends short is not "done", and a rerun asks again.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDataset } from '../../src/core/dataset/parse.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { synthesize, TeacherClient, type SynthesisJob, type SynthesisSummary } from '../../src/core/teacher/index.js';
import { startTeacherSim, type TeacherSim, type TeacherSimServerOptions } from '../../src/core/teacher/sim/server.js';
import { main } from '../../src/cli/main.js';
import { countJournal } from '../../src/core/teacher/accounting.js';
import { isAbortError } from '../../src/core/errors.js';
import type { Progress } from '../../src/core/progress.js';

const poolFile = new URL('../fixtures/teacher-pool.tsv', import.meta.url);
const pool = parseDataset(readFileSync(poolFile), 'teacher-pool.tsv').examples.map((e) => ({ text: e.text, label: e.label! }));
const labels = ['sport', 'weather', 'food'];
const seeds = labels.flatMap((l) => pool.filter((p) => p.label === l).slice(0, 2));

let sim: TeacherSim | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

async function setup(opts: Partial<TeacherSimServerOptions> = {}, maxAttempts = 6) {
  sim = await startTeacherSim({ pool, retryAfterMs: 20, ...opts });
  return new TeacherClient({ baseURL: sim.url, model: 'teacher-sim', timeoutMs: 2000, backoffBaseMs: 2, backoffMaxMs: 5, maxAttempts });
}
const job = (over: Partial<SynthesisJob> = {}): SynthesisJob => ({
  projectId: 'p', jobId: 'j', strategy: 'generate', round: 0, n: 30, labels, seeds, options: { concurrency: 2, perRequest: 3 }, ...over,
});
const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
function addsUp(s: SynthesisSummary): void {
  expect(s.requested, JSON.stringify(s)).toBe(s.accepted + sum(s.rejected) + sum(s.missing));
}

describe('a changed avoid list on resume (item 2)', () => {
  it('drops kept examples that copy a new avoid text, counts them as leaks, and makes up the difference', async () => {
    const client = await setup();
    const store = new MemoryStore();
    const first = await synthesize(job(), { client, store });
    expect(first.stopReason).toBe('done');
    addsUp(first);
    const made = (await store.listExamples('p')).map((e) => e.text);
    expect(made).toHaveLength(30);
    const avoid = made.slice(0, 12).map((t) => t.toUpperCase() + '!');
    const again = await synthesize(job({ avoidTexts: avoid }), { client, store });
    expect(again.stopReason).toBe('done');
    const now = (await store.listExamples('p')).map((e) => e.text);
    expect(now).toHaveLength(30);
    for (const t of made.slice(0, 12)) expect(now).not.toContain(t);
    expect(again.rejected.leak).toBeGreaterThanOrEqual(12);
    addsUp(again);
    // Journal and store agree after the drop.
    const journal = await store.listRequests('p', 'j');
    expect(journal.flatMap((r) => r.acceptedIds).sort()).toEqual((await store.listExamples('p')).map((e) => e.id).sort());
  });

  it('annotation: a text that became an avoid text is dropped and the next pool text is labeled instead', async () => {
    const client = await setup();
    const store = new MemoryStore();
    const unlabeled = pool.slice(10, 40).map((p) => p.text);
    const first = await synthesize(job({ strategy: 'annotate', n: 12, unlabeled }), { client, store });
    expect([first.stopReason, first.accepted]).toEqual(['done', 12]);
    const again = await synthesize(job({ strategy: 'annotate', n: 12, unlabeled, avoidTexts: [unlabeled[3]] }), { client, store });
    const texts = (await store.listExamples('p')).map((e) => e.text);
    expect(texts).not.toContain(unlabeled[3]);
    expect(texts).toContain(unlabeled[12]);
    expect([again.stopReason, again.accepted, again.rejected.leak]).toEqual(['done', 12, 1]);
    addsUp(again);
  });
});

describe('honest counts (item 9)', () => {
  it('an annotation job that ends short is incomplete, says why, and a rerun asks only for the missing texts', async () => {
    // The second batch of ten is answered with labels outside the list.
    const client = await setup({ faultSchedule: [null, 'offlabel'] });
    const store = new MemoryStore();
    const unlabeled = pool.slice(5, 35).map((p) => p.text);
    const a = job({ strategy: 'annotate', n: 30, unlabeled, options: { concurrency: 1, annotateBatch: 10 } });
    const s = await synthesize(a, { client, store });
    expect(s.stopReason).toBe('incomplete');
    expect([s.requested, s.accepted, s.missing]).toEqual([30, 20, { 'off-label answer': 10 }]);
    addsUp(s);
    expect(s.why).toMatch(/20 of 30 accepted; 10 short \(missing: off-label answer 10\).*Run the same job again/);
    const sent = sim!.core.stats.requests;
    const r = await synthesize(a, { client, store });
    expect(sim!.core.stats.requests - sent).toBe(1);
    expect([r.stopReason, r.accepted, r.missing]).toEqual(['done', 30, {}]);
    addsUp(r);
  });

  it('"exhausted" says how many requests came back empty, and the missing examples are counted', async () => {
    // 25 texts a label in the pool, 2 of them seeds: asking for 40 a label runs it dry.
    const client = await setup();
    const store = new MemoryStore();
    const s = await synthesize(job({ n: 120, options: { concurrency: 2, perRequest: 4 } }), { client, store });
    expect(s.stopReason).toBe('exhausted');
    expect(s.accepted).toBe(69);
    expect(s.missing['not returned']).toBeGreaterThan(0);
    addsUp(s);
    // Each label had 40 to fill and 23 texts left: every class ran short, and the sentence names them.
    expect(s.why).toMatch(/^69 of 120 accepted: the teacher stopped giving new examples \(class sport: 23 of 40; class weather: 23 of 40; class food: 23 of 40\)\. \d+ of \d+ requests returned none/);
  });

  it('each progress event carries the job\'s whole count, as a recount of the stored journal gives it, adding up (issue 19)', async () => {
    // Failures, cut-off and off-label answers, and a resumed second session: the page's counters read these.
    const client = await setup({ faultSchedule: [null, 'truncated', 'offlabel', '500', null, 'duplicate'] }, 2);
    const store = new MemoryStore();
    const checks: Promise<void>[] = [];
    const onProgress = (p: Progress) => {
      if (p.phase !== 'synthesize' || !p.detail.items) return;
      const items = p.detail.items;
      expect(items.requested).toBe(items.accepted + sum(items.rejected) + sum(items.missing));
      // The event follows the journal write, so the store already holds what it counts.
      checks.push(store.listRequests('p', 'j').then((journal) => { const { extra: _e, ...c } = countJournal(journal); expect(items).toEqual(c); }));
    };
    const ctl = new AbortController();
    let events = 0;
    const first = synthesize(job({ n: 24 }), { client, store, signal: ctl.signal, onProgress: (p) => { onProgress(p); if (++events === 4) ctl.abort(); } }).catch((e) => e);
    expect(isAbortError(await first)).toBe(true);
    const s = await synthesize(job({ n: 24 }), { client, store, onProgress });
    await Promise.all(checks);
    expect(checks.length).toBeGreaterThan(5);
    addsUp(s);
  });

  it('requests that fail for good are missing as "request failed"', async () => {
    const client = await setup({ faults: { '500': 1 } }, 2);
    const store = new MemoryStore();
    const s = await synthesize(job({ n: 9, options: { concurrency: 1, perRequest: 3, maxConsecutiveFailures: 3 } }), { client, store });
    expect(s.stopReason).toBe('teacher-failing');
    expect(s.failedRequests).toEqual({ server_error: 6 });
    expect([s.requested, s.accepted, s.missing]).toEqual([9, 0, { 'request failed': 9 }]);
    addsUp(s);
    const journal = await store.listRequests('p', 'j');
    expect(journal.map((r) => r.failures)).toEqual([{ server_error: 2 }, { server_error: 2 }, { server_error: 2 }]);
  });
});

describe('distillery synth, as the issue ran it', () => {
  async function synth(args: string[]): Promise<{ code: number; summary: Record<string, unknown>; err: string }> {
    let out = '';
    let err = '';
    const w = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
    const e = vi.spyOn(console, 'error').mockImplementation((s) => { err += String(s) + '\n'; });
    try {
      const code = await main(['synth', ...args]);
      return { code, summary: JSON.parse(out.trim().split('\n').at(-1)!), err };
    } finally { w.mockRestore(); e.mockRestore(); }
  }

  it('--avoid added on a rerun (15 of 36 made texts, the issue: 20 of 50, scaled to the fixture pool): none stays in synthetic.jsonl', async () => {
    await setup();
    const dir = await mkdtemp(join(tmpdir(), 'distillery-avoid-'));
    try {
      const seedsFile = join(dir, 'seeds.tsv');
      await writeFile(seedsFile, 'text\tlabel\n' + seeds.map((p) => `${p.text}\t${p.label}`).join('\n') + '\n');
      const out = join(dir, 'S');
      const base = ['--seeds', seedsFile, '--teacher-url', sim!.url, '--teacher-model', 'teacher-sim', '--strategy', 'generate', '--n', '36', '--per-request', '4', '--out', out];
      const a = await synth(base);
      expect(a.code).toBe(0);
      const made = (await readFile(join(out, 'synthetic.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).text as string);
      expect(made).toHaveLength(36);
      const avoidFile = join(dir, 'avoid15.csv');
      await writeFile(avoidFile, 'text\n' + made.slice(0, 15).map((t) => JSON.stringify(t)).join('\n') + '\n');
      const b = await synth([...base, '--avoid', avoidFile]);
      expect(b.code).toBe(0);
      const after = (await readFile(join(out, 'synthetic.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).text as string);
      expect(after).toHaveLength(36);
      expect(after.filter((t) => made.slice(0, 15).includes(t))).toEqual([]);
      expect(b.summary).toMatchObject({ accepted: 36, stopReason: 'done' });
      expect((b.summary.rejected as Record<string, number>).leak).toBeGreaterThanOrEqual(15);
      const s = b.summary as unknown as SynthesisSummary;
      expect(s.requested).toBe(s.accepted + sum(s.rejected) + sum(s.missing));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the run summary counts every failed attempt (item 9)', () => {
  it('failedRequests equals the faults the teacher served; each round adds up', async () => {
    const { runLoop } = await import('../../src/core/loop/run.js');
    const { loopSummary } = await import('../../src/core/loop/report.js');
    const { teacherSynthesize } = await import('../../src/core/loop/teacher.js');
    const { LOOP_DEFAULTS } = await import('../../src/core/loop/config.js');
    const client = await setup({ faults: { '500': 0.15, '429': 0.05 }, seed: 5 });
    const at = '2026-01-01T00:00:00.000Z';
    const ex = (i: number, p: { text: string; label: string }) => ({ id: `x${i}`, text: p.text, label: p.label, split: 'train' as const, provenance: { source: 'seed' as const, round: 0, createdAt: at } });
    const seedRows = labels.flatMap((l) => pool.filter((p) => p.label === l).slice(0, 3));
    const valRows = labels.flatMap((l) => pool.filter((p) => p.label === l).slice(3, 5));
    const store = new MemoryStore();
    const state = await runLoop({ ...LOOP_DEFAULTS, runId: 'run', projectId: 'p', teacherModel: 'teacher-sim', strategy: 'generate', rounds: 0, budget: 30, examplesPerRequest: 3 },
      { seeds: seedRows.map((p, i) => ex(i, p)), val: valRows.map((p, i) => ex(100 + i, p)) },
      {
        store,
        deps: {
          synthesize: teacherSynthesize({ client, options: { concurrency: 2, perRequest: 3 } }),
          train: async (input) => ({
            predict: async (texts) => texts.map(() => input.labels.map((_, i) => (i === 0 ? 0.9 : 0.1 / (input.labels.length - 1)))),
            toRecord: async (id, projectId, runId) => ({ id, projectId, runId, createdAt: at, meta: {}, modelJson: {}, weights: new ArrayBuffer(0) }),
            dispose() {},
          }),
          load: async () => { throw new Error('not used'); },
        },
      });
    const s = loopSummary(state);
    const faults = Object.values(sim!.core.stats.faults).reduce((a, b) => a + (b ?? 0), 0);
    expect(faults).toBeGreaterThan(0);
    expect(s.teacher.failedRequests).toBe(faults);
    expect(s.teacher.attempts).toBe(sim!.core.stats.requests);
    expect(s.teacher.attempts - s.teacher.failedRequests).toBe(s.teacher.requests - s.teacher.unfinishedRequests);
    for (const r of s.rounds) expect(r.requested).toBe(r.added + sum(r.rejected) + sum(r.missing));
  });
});
