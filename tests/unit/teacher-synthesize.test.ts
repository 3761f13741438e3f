/** synthesize() end to end over HTTP: strategies, filters, budgets, cancel and resume. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDataset } from '../../src/core/dataset/parse.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import type { RequestRecord } from '../../src/core/store/store.js';
import { isAbortError } from '../../src/core/errors.js';
import { synthesize, TeacherClient, type SynthesisJob } from '../../src/core/teacher/index.js';
import { startTeacherSim, type TeacherSim, type TeacherSimServerOptions } from '../../src/core/teacher/sim/server.js';

const pool = parseDataset(readFileSync(new URL('../fixtures/teacher-pool.tsv', import.meta.url)), 'teacher-pool.tsv')
  .examples.map((e) => ({ text: e.text, label: e.label! }));
const labels = ['sport', 'weather', 'food'];
// Seeds: the first two texts of each label; the sim treats texts shown as examples as used.
const seeds = labels.flatMap((l) => pool.filter((p) => p.label === l).slice(0, 2));

let sim: TeacherSim | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

async function setup(opts: Partial<TeacherSimServerOptions> = {}) {
  sim = await startTeacherSim({ pool, retryAfterMs: 50, ...opts });
  return new TeacherClient({ baseURL: sim.url, model: 'teacher-sim', timeoutMs: 2000, backoffBaseMs: 5, backoffMaxMs: 20 });
}

const job = (over: Partial<SynthesisJob> = {}): SynthesisJob => ({
  projectId: 'p', jobId: 'j1', strategy: 'generate', round: 0, n: 24, labels, seeds,
  task: 'the topic of a short sentence', options: { concurrency: 3, perRequest: 4 }, ...over,
});

describe('synthesize', () => {
  it('generates n balanced, unique examples with full provenance, stored and journaled', async () => {
    const client = await setup();
    const store = new MemoryStore();
    const progress: number[] = [];
    const s = await synthesize(job(), { client, store, onProgress: (p) => progress.push(p.done) });
    expect(s.stopReason).toBe('done');
    expect(s.accepted).toBe(24);
    const ex = await store.listExamples('p');
    expect(ex).toHaveLength(24);
    expect(new Set(ex.map((e) => e.text)).size).toBe(24);
    for (const l of labels) expect(ex.filter((e) => e.label === l)).toHaveLength(8);
    for (const e of ex) {
      expect(seeds.some((sd) => sd.text === e.text)).toBe(false);
      expect(e.provenance).toMatchObject({ source: 'generated', strategy: 'generate', teacherModel: 'teacher-sim', promptTemplate: 'generate-v2', round: 0 });
      expect(e.provenance.requestId).toMatch(/^j1:generate:r0:\d+$/);
      expect(pool.find((p) => p.text === e.text)?.label).toBe(e.label);
    }
    const journal = await store.listRequests('p', 'j1');
    expect(journal.every((r) => r.status === 'done')).toBe(true);
    expect(journal.flatMap((r) => r.acceptedIds).sort()).toEqual(ex.map((e) => e.id).sort());
    expect(progress.at(-1)).toBe(24);
    expect(s.tokens).toBeGreaterThan(0);
  });

  it('rejects off-label and duplicate answers with their reasons and still reaches n', async () => {
    const client = await setup({ faultSchedule: [null, 'duplicate', 'offlabel', 'malformed'] });
    const store = new MemoryStore();
    const s = await synthesize(job({ n: 12, options: { concurrency: 1, perRequest: 3 } }), { client, store });
    expect(s.accepted).toBe(12);
    expect(s.rejected['off-label']).toBe(1);
    expect(s.rejected.duplicate).toBe(3);
    expect(s.failedRequests.malformed).toBe(1);
    expect(new Set((await store.listExamples('p')).map((e) => e.text)).size).toBe(12);
  });

  it('keeps the complete items of an answer cut off at the length limit and still reaches n', async () => {
    const client = await setup({ faultSchedule: ['truncated'] });
    const store = new MemoryStore();
    const s = await synthesize(job({ n: 12, options: { concurrency: 1, perRequest: 4 } }), { client, store });
    expect(s.missing['cut off']).toBeGreaterThan(0);
    expect(s.failedRequests.truncated).toBeUndefined();
    expect(s.accepted).toBe(12);
    const first = (await store.listExamples('p')).filter((e) => e.provenance.requestId === 'j1:generate:r0:0');
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(4);
    for (const e of first) expect(pool.find((p) => p.text === e.text)?.label).toBe(e.label);
  });

  it('never copies a validation/test text (the leakage guard)', async () => {
    const client = await setup();
    const store = new MemoryStore();
    const avoid = pool.filter((p) => p.label === 'food').slice(2, 20).map((p) => p.text.toUpperCase());
    const s = await synthesize(job({ n: 6, avoidTexts: avoid, options: { concurrency: 1, perRequest: 2 } }), { client, store });
    expect(s.rejected.leak).toBeGreaterThan(0);
    const texts = new Set((await store.listExamples('p')).map((e) => e.text.toUpperCase()));
    for (const a of avoid) expect(texts.has(a)).toBe(false);
  });

  it('stops cleanly at a request budget, keeping what it accepted', async () => {
    const client = await setup();
    const store = new MemoryStore();
    const s = await synthesize(job({ budget: { maxRequests: 3 }, options: { concurrency: 1, perRequest: 2 } }), { client, store });
    expect(s.stopReason).toBe('budget:requests');
    expect(s.requests).toBe(3);
    expect(sim!.core.stats.requests).toBe(3);
    expect(s.accepted).toBe(6);
    expect(await store.listExamples('p')).toHaveLength(6);
    // A rerun of the same job counts the journaled spending: no more requests are sent.
    const again = await synthesize(job({ budget: { maxRequests: 3 }, options: { concurrency: 1, perRequest: 2 } }), { client, store });
    expect(again.requests).toBe(0);
    expect(again.stopReason).toBe('budget:requests');
  });

  it('stops at a token budget', async () => {
    const client = await setup();
    const store = new MemoryStore();
    const s = await synthesize(job({ budget: { maxTokens: 1 }, options: { concurrency: 1 } }), { client, store });
    expect(s.stopReason).toBe('budget:tokens');
    expect(s.requests).toBe(1);
  });

  it('cancels through the signal, keeps what was stored, and resumes without repeats or duplicates', async () => {
    const client = await setup({ latencyMs: 60 });
    const store = new MemoryStore();
    const ctl = new AbortController();
    const err = await synthesize(job({ n: 30, options: { concurrency: 2, perRequest: 3 } }), {
      client, store, signal: ctl.signal, onExamples: () => { if (!ctl.signal.aborted) ctl.abort(); },
    }).catch((e) => e);
    expect(isAbortError(err)).toBe(true);
    const before = await store.listExamples('p');
    const journal = await store.listRequests('p', 'j1');
    expect(before.length).toBeGreaterThan(0);
    expect(journal.flatMap((r) => r.acceptedIds).sort()).toEqual(before.map((e) => e.id).sort());

    const s = await synthesize(job({ n: 30, options: { concurrency: 2, perRequest: 3 } }), { client, store });
    expect(s.accepted).toBe(30);
    expect(s.skippedRequests).toBe(journal.length);
    const after = await store.listExamples('p');
    expect(after).toHaveLength(30);
    expect(new Set(after.map((e) => e.text)).size).toBe(30);
    for (const e of before) expect(after.find((a) => a.id === e.id)?.text).toBe(e.text);
    // 10 per label in units of 3: four units per label, twelve in all; the finished ones are not sent
    // again. Counted by the client: the sim's own counter can still receive the first run's
    // aborted request after it was read (it was in flight when the signal fired).
    expect(s.requests).toBe(12 - journal.length);
  });

  it('resumes after a crash between storing examples and journaling their request', async () => {
    const client = await setup();
    const store = new MemoryStore();
    let puts = 0;
    const crashing = Object.create(store) as MemoryStore;
    crashing.putRequest = async (r: RequestRecord) => { if (++puts === 3) throw new Error('crash'); return store.putRequest(r); };
    await expect(synthesize(job({ n: 12, options: { concurrency: 1, perRequest: 3 } }), { client, store: crashing })).rejects.toThrow('crash');
    // Three requests stored examples, only two were journaled.
    expect(await store.listExamples('p')).toHaveLength(9);
    const s = await synthesize(job({ n: 12, options: { concurrency: 1, perRequest: 3 } }), { client, store });
    expect(s.skippedRequests).toBe(2);
    const ex = await store.listExamples('p');
    expect(ex).toHaveLength(12);
    expect(new Set(ex.map((e) => e.text)).size).toBe(12);
    const journal = await store.listRequests('p', 'j1');
    expect(new Set(journal.map((r) => r.key)).size).toBe(journal.length);
    expect(journal.flatMap((r) => r.acceptedIds).sort()).toEqual(ex.map((e) => e.id).sort());
  });

  it('annotates with self-consistency: majority label, agreement as confidence', async () => {
    const client = await setup({ noise: 0.2, seed: 7 });
    const store = new MemoryStore();
    const unlabeled = pool.slice(2, 22).map((p) => p.text);
    const s = await synthesize(job({ strategy: 'annotate', n: 20, unlabeled, options: { samples: 3, annotateBatch: 7, concurrency: 2 } }), { client, store });
    expect(s.stopReason).toBe('done');
    const ex = await store.listExamples('p', { source: 'annotated' });
    expect(ex.length + (s.rejected['low-agreement'] ?? 0)).toBe(20);
    expect(sim!.core.stats.requests).toBe(9);
    let right = 0;
    for (const e of ex) {
      expect(e.provenance.confidence).toBeGreaterThanOrEqual(2 / 3);
      if (pool.find((p) => p.text === e.text)!.label === e.label) right++;
    }
    expect(right / ex.length).toBeGreaterThan(0.85);
  });

  it('keeps a validation text out of annotation requests entirely', async () => {
    const client = await setup();
    const store = new MemoryStore();
    const unlabeled = pool.slice(30, 36).map((p) => p.text);
    const s = await synthesize(job({ strategy: 'annotate', n: 6, unlabeled, avoidTexts: [unlabeled[0]] }), { client, store });
    expect(s.rejected.leak).toBe(1);
    expect((await store.listExamples('p')).map((e) => e.text)).not.toContain(unlabeled[0]);
  });

  it('extrapolates from errors: similar texts with the true label', async () => {
    const client = await setup();
    const store = new MemoryStore();
    const errors = [{ text: 'A storm flooded the streets and knocked out the power.', trueLabel: 'weather', predictedLabel: 'sport' }];
    // Seeds without weather texts: the sim does not see seeds in this prompt and might offer one.
    const s = await synthesize(job({ strategy: 'extrapolate', round: 1, n: 2, errors, seeds: seeds.filter((x) => x.label !== 'weather') }), { client, store });
    expect(s.rejected).toEqual({});
    expect(s.accepted).toBe(2);
    const ex = await store.listExamples('p', { source: 'extrapolated' });
    expect(ex.map((e) => e.label)).toEqual(['weather', 'weather']);
    expect(ex[0].text).toMatch(/storm/i);
    expect(ex[0].provenance).toMatchObject({ strategy: 'extrapolate', round: 1, promptTemplate: 'extrapolate-v2' });
  });

  it('rationale-first: asks for attributes per label once, keeps them, then generates', async () => {
    const client = await setup();
    const store = new MemoryStore();
    const s = await synthesize(job({ strategy: 'rationale', n: 9, options: { perRequest: 3, attributesPerLabel: 4, attributesPerRequest: 2 } }), { client, store });
    expect(s.accepted).toBe(9);
    const runs = (await store.listRuns('p')).flatMap((r) => (r.kind === 'teacher-attributes' ? [r] : []));
    expect(runs.map((r) => r.state.label).sort()).toEqual([...labels].sort());
    for (const r of runs) {
      const attrs = r.state.attributes;
      expect(attrs.length).toBeGreaterThan(0);
      expect(attrs.length).toBeLessThanOrEqual(4);
    }
    expect(sim!.core.stats.requests).toBe(3 + 3);
  });

  it('steers generation requests through the given topics, one per request, quoted', async () => {
    const client = await setup();
    const store = new MemoryStore();
    const prompts: string[] = [];
    const spy = Object.create(client) as TeacherClient;
    spy.complete = (req, parse, hooks) => { prompts.push(req.messages[1].content); return client.complete(req, parse, hooks); };
    await synthesize(job({ n: 6, options: { concurrency: 1, perRequest: 1, topics: ['at the beach', 'in winter'] } }), { client: spy, store });
    expect(prompts.filter((p) => p.includes('"at the beach"'))).toHaveLength(3);
    expect(prompts.filter((p) => p.includes('"in winter"'))).toHaveLength(3);
  });

  it('refuses a job with one label', async () => {
    const client = await setup();
    await expect(synthesize(job({ labels: ['food'] }), { client, store: new MemoryStore() })).rejects.toThrow(/at least two labels/);
  });
});
