/**
 * Bad setups are refused with a clear message before any teacher call: a class with no seed, a
 * validation set without every class, a budget below one request, a teacher that cannot be reached.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Example } from '../../src/core/dataset/example.js';
import { isUserError, UserError } from '../../src/core/errors.js';
import { LOOP_DEFAULTS, planBudget, roundBudget, type LoopConfig } from '../../src/core/loop/config.js';
import { runLoop } from '../../src/core/loop/run.js';
import { validateSetup, type LoopData } from '../../src/core/loop/validate.js';
import { endpointProblem, normalizeEndpoint, teacherModels as probeTeacher } from '../../src/core/teacher/endpoint.js';
import { MemoryStore } from '../../src/core/store/memory.js';

const ex = (id: string, text: string, label: string | null): Example => ({ id, text, label, split: 'train', provenance: { source: 'seed', round: 0, createdAt: '' } });
const cfg = (over: Partial<LoopConfig> = {}): LoopConfig => ({ ...LOOP_DEFAULTS, runId: 'r', projectId: 'p', teacherModel: 'm', strategy: 'generate', rounds: 2, budget: 100, ...over });
const seeds = [ex('1', 'a', 'x'), ex('2', 'b', 'x'), ex('3', 'c', 'y'), ex('4', 'd', 'y')];

function refusal(f: () => void): UserError {
  try {
    f();
  } catch (e) {
    if (isUserError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('setup validation', () => {
  it('refuses a class that has no seed, naming it', () => {
    const e = refusal(() => validateSetup(cfg(), { seeds, val: [ex('5', 'e', 'x'), ex('6', 'f', 'y'), ex('7', 'g', 'z')] }));
    expect(e.code).toBe('class-without-seed');
    expect(e.userMessage).toMatch(/class 'z'/);
  });

  it('refuses a validation set without every class', () => {
    const e = refusal(() => validateSetup(cfg(), { seeds, val: [ex('5', 'e', 'x')] }));
    expect(e.code).toBe('val-missing-class');
    expect(e.userMessage).toMatch(/no example of class 'y'/);
  });

  it('refuses to hold out validation from a class with a single seed', () => {
    const e = refusal(() => validateSetup(cfg(), { seeds: [...seeds.slice(0, 3)] }));
    expect(e.code).toBe('val-missing-class');
    expect(e.userMessage).toMatch(/'y' has a single seed/);
  });

  it('refuses a budget below one request, and a mix that leaves a strategy less than one request', () => {
    const e = refusal(() => validateSetup(cfg({ budget: 3 }), { seeds }));
    expect(e.code).toBe('budget-too-small');
    expect(e.userMessage).toMatch(/budget of 3 examples is below one teacher request \(5 examples\)/);
    const m = refusal(() => validateSetup(cfg({ strategy: 'mix', budget: 15 }), { seeds }));
    expect(m.userMessage).toMatch(/generate 4, rationale 4 examples in round 0/);
    expect(m.userMessage).toMatch(/at least 20/);
    expect(() => validateSetup(cfg({ strategy: 'mix', budget: 20 }), { seeds })).not.toThrow();
  });

  it('refuses annotation without unlabeled texts, and a single class', () => {
    expect(refusal(() => validateSetup(cfg({ strategy: 'annotate' }), { seeds })).code).toBe('no-unlabeled');
    expect(refusal(() => validateSetup(cfg(), { seeds: seeds.slice(0, 2) })).code).toBe('one-class');
  });

  it('refuses before any teacher call: a bad setup never reaches synthesize', async () => {
    let calls = 0;
    const deps = { synthesize: async () => { calls++; return { accepted: 0, rejected: {} }; }, train: async () => { throw new Error('no'); }, load: async () => { throw new Error('no'); } };
    await expect(runLoop(cfg({ budget: 3 }), { seeds }, { store: new MemoryStore(), deps })).rejects.toThrow(/below one teacher request/);
    expect(calls).toBe(0);
  });

  it('splits the budget honestly: round 0 share, then even rounds with carry-over', () => {
    expect(planBudget(cfg({ budget: 1000, rounds: 2 }), false)).toEqual({ round0: { generate: 500 }, extrapolation: 500 });
    expect(planBudget(cfg({ budget: 1000, rounds: 0 }), false)).toEqual({ round0: { generate: 1000 }, extrapolation: 0 });
    const mix = planBudget(cfg({ budget: 100, rounds: 1, strategy: 'mix' }), true);
    expect(mix.round0).toEqual({ annotate: 17, generate: 17, rationale: 16 });
    const plan = planBudget(cfg({ budget: 1000, rounds: 2 }), false);
    expect(roundBudget(plan, 2, 1, 0)).toBe(250);
    expect(roundBudget(plan, 2, 2, 100)).toBe(400);
  });
});

describe('teacher probe', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v1/models') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ object: 'list', data: [{ id: 'sim' }] })); return; }
      if (req.url === '/hang/models') return; // never answers
      res.statusCode = 404;
      res.end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => { server.closeAllConnections(); server.close(); });

  it('lists the models of a reachable teacher', async () => {
    expect(await probeTeacher(`${base}/v1/`)).toEqual(['sim']);
  });

  it('says clearly when nothing listens at the URL', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(probeTeacher(`http://127.0.0.1:${port}/v1`)).rejects.toThrow(/cannot be reached/);
  });

  it('normalises a preset or a URL, and says what is wrong with an address that cannot be called', () => {
    expect(normalizeEndpoint(' ollama ')).toBe('http://127.0.0.1:11434/v1');
    expect(normalizeEndpoint('http://h:1/v1//')).toBe('http://h:1/v1');
    expect(endpointProblem('ftp://h/v1')?.kind).toBe('not-http');
    expect(endpointProblem('http://user:secret@h/v1')?.kind).toBe('credentials');
    expect(endpointProblem('not a url')?.kind).toBe('not-a-url');
    expect(endpointProblem('http://127.0.0.1:8787/v1')).toBeNull();
  });

  it('says clearly when the URL is not an OpenAI-compatible API root, or hangs', async () => {
    await expect(probeTeacher(`${base}/api`)).rejects.toThrow(/answered HTTP 404/);
    await expect(probeTeacher(`${base}/hang`, { timeoutMs: 300 })).rejects.toThrow(/no answer within 0.3 s/);
  });
});
