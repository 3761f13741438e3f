/** The client and the simulated teacher over real HTTP on 127.0.0.1, one fault at a time. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDataset } from '../../src/core/dataset/parse.js';
import { teacherModels } from '../../src/core/teacher/endpoint.js';
import { TeacherClient, TeacherError, type FailureKind } from '../../src/core/teacher/client.js';
import { examplesSchema, parseJsonObject, arrayField, SCHEMA_NAMES } from '../../src/core/teacher/schema.js';
import { startTeacherSim, type TeacherSim, type TeacherSimServerOptions } from '../../src/core/teacher/sim/server.js';
import { isAbortError, isUserError } from '../../src/core/errors.js';
import { TeacherSimCore } from '../../src/core/teacher/sim/respond.js';
import { simFetch } from '../../src/core/teacher/sim/fetch.js';

const pool = parseDataset(readFileSync(new URL('../fixtures/teacher-pool.tsv', import.meta.url)), 'teacher-pool.tsv')
  .examples.map((e) => ({ text: e.text, label: e.label! }));

let sim: TeacherSim | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

async function setup(opts: Partial<TeacherSimServerOptions> = {}, client: Partial<ConstructorParameters<typeof TeacherClient>[0]> = {}) {
  sim = await startTeacherSim({ pool, retryAfterMs: 300, ...opts });
  return new TeacherClient({ baseURL: sim.url, model: 'teacher-sim', timeoutMs: 2000, backoffBaseMs: 10, backoffMaxMs: 50, ...client });
}

const request = (label = 'food', count = 3) => ({
  messages: [{ role: 'system' as const, content: 'You write data.' }, { role: 'user' as const, content: `Write ${count} texts labeled ${label}.` }],
  schema: examplesSchema(SCHEMA_NAMES.examples, [label], count),
});
const parse = (a: Parameters<typeof parseJsonObject>[0]) => arrayField(parseJsonObject(a), 'examples') as { text: string; label: string }[];

async function completeCounting(client: TeacherClient, req = request()) {
  const failures: FailureKind[] = [];
  const t0 = Date.now();
  const r = await client.complete(req, parse, { onFailure: (e) => failures.push(e.kind) });
  return { ...r, failures, ms: Date.now() - t0 };
}

describe('teacher client against teacher-sim', () => {
  it('lists models and gets schema-valid examples of the asked label from the pool', async () => {
    const client = await setup();
    expect(await teacherModels(client.config.baseURL)).toEqual(['teacher-sim']);
    const { value, answer, failures } = await completeCounting(client);
    expect(failures).toEqual([]);
    expect(value).toHaveLength(3);
    for (const it of value) {
      expect(it.label).toBe('food');
      expect(pool.some((p) => p.text === it.text && p.label === 'food')).toBe(true);
    }
    expect(answer.usage.estimated).toBe(false);
    expect(answer.usage.promptTokens).toBeGreaterThan(0);
  });

  it('retries a 429 after the Retry-After it was given', async () => {
    const client = await setup({ faultSchedule: ['429'] });
    const r = await completeCounting(client);
    expect(r.failures).toEqual(['rate_limited']);
    expect(r.attempts).toBe(2);
    expect(r.ms).toBeGreaterThanOrEqual(280);
    expect(r.value).toHaveLength(3);
  });

  it('retries 500s, malformed and truncated answers, each counted by kind', async () => {
    const client = await setup({ faultSchedule: ['500', 'malformed', 'truncated'] });
    const r = await completeCounting(client);
    expect(r.failures).toEqual(['server_error', 'malformed', 'truncated']);
    expect(r.attempts).toBe(4);
    expect(r.value).toHaveLength(3);
  });

  it('gives up on a server that hangs past the timeout, then succeeds on retry', async () => {
    const client = await setup({ faultSchedule: ['hang'] }, { timeoutMs: 300 });
    const r = await completeCounting(client);
    expect(r.failures).toEqual(['timeout']);
    expect(r.value).toHaveLength(3);
  });

  it('fails with the last error after maxAttempts', async () => {
    const client = await setup({ faults: { '500': 1 } }, { maxAttempts: 3 });
    const failures: FailureKind[] = [];
    const err = await client.complete(request(), parse, { onFailure: (e) => failures.push(e.kind) }).catch((e) => e);
    expect(err).toBeInstanceOf(TeacherError);
    expect((err as TeacherError).kind).toBe('server_error');
    expect(failures).toEqual(['server_error', 'server_error', 'server_error']);
  });

  it('streams (SSE), asks for JSON in the text when told to, and estimates tokens when usage is missing', async () => {
    const client = await setup({ omitUsage: true }, { stream: true, jsonMode: 'text' });
    const { value, answer } = await completeCounting(client, request('weather', 2));
    expect(value.map((v) => v.label)).toEqual(['weather', 'weather']);
    expect(answer.usage.estimated).toBe(true);
    expect(answer.usage.completionTokens).toBeGreaterThan(0);
  });

  it('falls back to JSON in the text when the server refuses response_format', async () => {
    const client = await setup({ noResponseFormat: true });
    const r = await completeCounting(client);
    expect(r.failures).toEqual(['client_error']);
    expect(client.currentJsonMode).toBe('text');
    expect(r.value).toHaveLength(3);
    // Later requests go straight to text mode.
    expect((await completeCounting(client)).failures).toEqual([]);
  });

  it('keeps the schema when a 400 is about something else (a prompt longer than the context)', async () => {
    let calls = 0;
    const bodies: Record<string, unknown>[] = [];
    const client = new TeacherClient({
      baseURL: 'http://local.invalid/v1', model: 'm', maxAttempts: 3,
      fetch: async (_u, init) => {
        calls++;
        bodies.push(JSON.parse(String(init?.body)));
        return new Response(JSON.stringify({ error: { message: 'The prompt is 5000 tokens; this server gives each request 4096 tokens of context in all.', code: 'context_length_exceeded' } }), { status: 400, headers: { 'content-type': 'application/json' } });
      },
    });
    const err = await client.complete(request(), parse).catch((e) => e);
    expect(err).toBeInstanceOf(TeacherError);
    expect((err as TeacherError).kind).toBe('client_error');
    expect((err as TeacherError).message).toContain('4096 tokens');
    expect(calls).toBe(1);
    expect(client.currentJsonMode).toBe('schema');
    expect(bodies[0].response_format).toBeDefined();
  });

  it('cancels through an AbortSignal, also while waiting out a hang', async () => {
    const client = await setup({ faultSchedule: ['hang'] }, { timeoutMs: 10_000 });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 200);
    const t0 = Date.now();
    const err = await client.complete(request(), parse, { signal: ctl.signal }).catch((e) => e);
    expect(isAbortError(err)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('turns an unreachable server into a UserError that names the URL', async () => {
    const err = await teacherModels('http://127.0.0.1:59999/v1').catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toContain('127.0.0.1:59999');
  });

  it('stops before an attempt when the budget hook says so', async () => {
    const client = await setup();
    const err = await client.complete(request(), parse, { beforeAttempt: () => 'budget:tokens' }).catch((e) => e);
    expect((err as Error).name).toBe('StopRequested');
    expect(sim!.core.stats.requests).toBe(0);
  });
  it('runs offline through simFetch (no server), with the same faults and timeouts', async () => {
    const core = new TeacherSimCore({ pool, faultSchedule: ['hang', '429'], retryAfterMs: 20 });
    const client = new TeacherClient({ baseURL: 'http://sim.invalid/v1', model: 'teacher-sim', fetch: simFetch(core), timeoutMs: 200, backoffBaseMs: 5 });
    expect(await teacherModels('http://sim.invalid/v1', { fetch: simFetch(core) })).toEqual(['teacher-sim']);
    const r = await completeCounting(client, request('sport', 2));
    expect(r.failures).toEqual(['timeout', 'rate_limited']);
    expect(r.value.map((v) => v.label)).toEqual(['sport', 'sport']);
  });
});
