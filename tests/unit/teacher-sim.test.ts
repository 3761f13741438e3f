/**
 * Issue 19, item 8 and the flaky "failing teacher" browser test: the simulated teacher hands out
 * each pool text once for its whole lifetime, so (1) a request the client gives up on before its
 * answer is due must take nothing from the pool (a paused run aborts its requests in flight, and
 * their texts were lost to every later request), and (2) when a class's pool is used up the sim
 * says so, and the job that ran short names the class.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/core/store/memory.js';
import { synthesize, TeacherClient } from '../../src/core/teacher/index.js';
import { simFetch } from '../../src/core/teacher/sim/fetch.js';
import { TeacherSimCore, type SimOptions } from '../../src/core/teacher/sim/respond.js';
import { startTeacherSim, type TeacherSim } from '../../src/core/teacher/sim/server.js';
import type { ChatRequest } from '../../src/core/teacher/client.js';
import { examplesSchema, SCHEMA_NAMES } from '../../src/core/teacher/schema.js';

// Four texts of 'a', many of 'b': 'a' runs dry after four.
const pool = [
  ...['apple pie', 'apple tart', 'apple cake', 'apple crumble'].map((text) => ({ text, label: 'a' })),
  ...Array.from({ length: 40 }, (_, i) => ({ text: `banana bread number ${i}`, label: 'b' })),
];

let sim: TeacherSim | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

const ask = (label: string, count: number): ChatRequest => ({
  messages: [{ role: 'user', content: `Write ${count} examples of ${label}.` }],
  schema: examplesSchema(SCHEMA_NAMES.examples, [label], count),
});
const parse = (a: { text: string }) => (JSON.parse(a.text) as { examples: { text: string }[] }).examples.map((e) => e.text);

describe('teacher-sim: a request given up on takes nothing from the pool', () => {
  it('over HTTP: aborted during the latency, then asked again, the same texts are all still there', async () => {
    sim = await startTeacherSim({ pool, latencyMs: 800, seed: 1 });
    const client = new TeacherClient({ baseURL: sim.url, model: 'teacher-sim', timeoutMs: 5000, maxAttempts: 1 });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 300);
    await expect(client.complete(ask('a', 4), parse, { signal: ctl.signal })).rejects.toThrow();
    // The server notices the closed connection when the answer is due.
    await new Promise((r) => setTimeout(r, 700));
    const again = await client.complete(ask('a', 4), parse);
    expect(again.value.sort()).toEqual(['apple cake', 'apple crumble', 'apple pie', 'apple tart']);
    expect(sim.core.stats.abandoned).toBe(1);
  });

  it('through simFetch (no server), the same (it always waited before answering; now it counts the request given up on)', async () => {
    const core = new TeacherSimCore({ pool, seed: 1 });
    const client = new TeacherClient({ baseURL: 'http://sim.invalid/v1', model: 'teacher-sim', fetch: simFetch(core, 200), timeoutMs: 5000, maxAttempts: 1 });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 30);
    await expect(client.complete(ask('a', 4), parse, { signal: ctl.signal })).rejects.toThrow();
    expect(core.stats.abandoned).toBe(1);
    expect((await client.complete(ask('a', 4), parse)).value).toHaveLength(4);
  });
});

describe('teacher-sim: a used-up class is named', () => {
  it('the sim records (and reports once) the class whose pool ran dry', () => {
    const seen: [string, number][] = [];
    const core = new TeacherSimCore({ pool, seed: 1, onExhausted: (label, n) => seen.push([label, n]) } satisfies SimOptions);
    const answer = (label: string, count: number) => {
      const r = core.chat({ messages: [{ role: 'user', content: 'go' }], response_format: { type: 'json_schema', json_schema: { name: SCHEMA_NAMES.examples, schema: examplesSchema(SCHEMA_NAMES.examples, [label], count).schema } } });
      return r.kind === 'json' ? JSON.parse((r.body as { choices: { message: { content: string } }[] }).choices[0].message.content).examples.length : -1;
    };
    expect(answer('a', 3)).toBe(3);
    expect(core.stats.exhausted).toEqual([]);
    expect(answer('a', 3)).toBe(1);
    expect(answer('a', 3)).toBe(0);
    expect(answer('b', 3)).toBe(3);
    expect(core.stats.exhausted).toEqual(['a']);
    expect(seen).toEqual([['a', 4]]);
  });

  it('a generation job that a reused sim cannot fill stops "exhausted" and names the class that ran short', async () => {
    const core = new TeacherSimCore({ pool, seed: 1 });
    const client = new TeacherClient({ baseURL: 'http://sim.invalid/v1', model: 'teacher-sim', fetch: simFetch(core), timeoutMs: 5000 });
    const job = (jobId: string) => ({
      projectId: 'p', jobId, strategy: 'generate' as const, round: 0, n: 8, labels: ['a', 'b'],
      seeds: [{ text: 'an apple', label: 'a' }, { text: 'a banana', label: 'b' }], options: { concurrency: 1, perRequest: 2 },
    });
    // The first run takes all four 'a' texts; the second, against the same sim, gets no 'a' at all.
    const first = await synthesize(job('first'), { client, store: new MemoryStore() });
    expect([first.stopReason, first.accepted]).toEqual(['done', 8]);
    const second = await synthesize(job('second'), { client, store: new MemoryStore() });
    expect(second.stopReason).toBe('exhausted');
    expect(second.accepted).toBe(4);
    expect(second.why).toMatch(/^4 of 8 accepted: the teacher stopped giving new examples \(class a: 0 of 4\)\./);
    expect(core.stats.exhausted).toEqual(['a']);
  });
});
