import { describe, expect, it } from 'vitest';
import { RunCounters, noCounts, type JobCounts } from '../../src/app/synthesize/run-counters';
import { runErrorText } from '../../src/app/synthesize/run-errors';
import { failureText, missingText, phaseLabel } from '../../src/app/synthesize/synth-settings';
import type { LoopState, RoundRecord } from '../../src/core/loop/state';
import { config } from './loop-fakes';

// Completion tokens at twice the prompt tokens, so a mix-up of the two shows in the sums.
// Items add up as they do in a journal: requested = accepted + Σ rejected + Σ missing.
const counts = (accepted: number, tokens = 0, rejected: Record<string, number> = {}, failed: Record<string, number> = {}, missing: Record<string, number> = {}): JobCounts => ({
  requested: accepted + Object.values(rejected).reduce((a, b) => a + b, 0) + Object.values(missing).reduce((a, b) => a + b, 0),
  accepted, rejected, missing, promptTokens: tokens, completionTokens: 2 * tokens, failed,
});
const totals = (c: JobCounts, added = 0, labeled = 0) => ({ ...c, added, labeled });

const round = (r: number, over: Partial<RoundRecord>): RoundRecord => ({
  round: r, added: {}, addedTotal: 0, rejected: {}, teacher: { requests: 0, failedRequests: 0, tokens: 0, promptTokens: 0, completionTokens: 0, cost: 0 }, drivenBy: [], ...over,
});
const state = (steps: string[], rounds: RoundRecord[], jobs: [string, number][]): LoopState => ({
  version: 1, fingerprint: 'x', config: config(), labels: ['neg', 'pos'], steps, rounds, baselines: {},
  jobs: jobs.map(([id, r]) => ({ id, round: r, name: id, strategy: id.includes('extrapolate') ? 'extrapolate' : 'generate' })),
});

describe('RunCounters', () => {
  it('sums each job once, whatever order its progress and the next job\'s arrive in', () => {
    const c = new RunCounters();
    c.update('gen', counts(20, 100, { duplicate: 1 }, { rate_limited: 1 }));
    c.update('rat', counts(3, 30));
    c.update('gen', counts(25, 120, { duplicate: 2 }, { rate_limited: 2 })); // the job's last event, late
    c.update('rat', counts(25, 300, {}, { malformed: 1 }));
    expect(c.totals()).toEqual(totals(counts(50, 420, { duplicate: 2 }, { rate_limited: 2, malformed: 1 })));
  });

  it('starts from the store on resume: a resumed job\'s own total replaces what was stored for it', () => {
    const c = new RunCounters();
    const stored = new Map([['gen', counts(25, 100, { leak: 1 })], ['rat', counts(10, 40)]]);
    c.reset(stored, { server_error: 60 });
    expect(c.totals()).toEqual(totals(counts(35, 140, { leak: 1 }, { server_error: 60 })));
    // The resumed job reports its total so far (the 10 kept included) and this session's tokens.
    c.update('rat', counts(12, 5, {}, { rate_limited: 1 }));
    expect(c.totals()).toEqual(totals(counts(37, 145, { leak: 1 }, { server_error: 60, rate_limited: 1 })));
    expect(c.failedSoFar()).toEqual({ server_error: 60, rate_limited: 1 });
  });

  it('counts what never came as missing, beside the rejects, so the items add up', () => {
    const c = new RunCounters();
    c.update('ann', counts(18, 10, { 'low-agreement': 1 }, {}, { 'request failed': 10, 'not returned': 2 }));
    const t = c.totals();
    expect([t.requested, t.accepted, t.rejected, t.missing]).toEqual([31, 18, { 'low-agreement': 1 }, { 'request failed': 10, 'not returned': 2 }]);
  });

  it('a settled round counts from its record: what settling dropped is rejected, and accepted is the rows it added (issue 19: "185 added" where 180 arrived)', () => {
    const c = new RunCounters();
    // The teacher's answers: 100 accepted in round 0 (two jobs), 20 so far in round 1.
    c.reset(new Map([['r0:gen', counts(60, 10)], ['r0:ann', counts(40, 10, {}, {}, { 'not returned': 2 })], ['r1:ext', counts(20, 5)]]), {}, state(['prepare'], [], [['r0:gen', 0], ['r0:ann', 0], ['r1:ext', 1]]));
    expect(c.totals()).toMatchObject({ requested: 122, accepted: 120, added: 0 });
    // Round 0 is settled: 3 texts were in the project already, 30 of the annotations labeled the user's rows.
    c.setState(state(['prepare', 'r0.synth'], [round(0, { requested: 102, addedTotal: 97, labeled: 30, rejected: { 'duplicate-of-earlier': 3 }, missing: { 'not returned': 2 } })], [['r0:gen', 0], ['r0:ann', 0], ['r1:ext', 1]]));
    const t = c.totals();
    expect(t).toMatchObject({ requested: 122, accepted: 117, added: 97, labeled: 30, rejected: { 'duplicate-of-earlier': 3 }, missing: { 'not returned': 2 } });
    expect(t.requested).toBe(t.accepted + 3 + 2);
    // Tokens are the jobs' whoever counts their items.
    expect(t.promptTokens).toBe(25);
    // Every round settled: the counters say what the project got.
    c.setState(state(['prepare', 'r0.synth', 'r1.synth', 'done'], [round(0, { requested: 102, addedTotal: 97, labeled: 30, rejected: { 'duplicate-of-earlier': 3 }, missing: { 'not returned': 2 } }), round(1, { requested: 20, addedTotal: 20 })], [['r0:gen', 0], ['r0:ann', 0], ['r1:ext', 1]]));
    expect(c.totals()).toMatchObject({ accepted: 117, added: 117 });
  });

  it('is empty before anything happened', () => {
    expect(new RunCounters().totals()).toEqual(totals(noCounts()));
  });
});

describe('the progress line', () => {
  const st = (steps: string[]) => state(steps, [round(0, {}), round(1, {})], [['run:r0:generate', 0], ['run:r1:extrapolate', 1]]);
  it('says that the first model trained is a baseline on the user\'s own examples, before the teacher is asked (issue 19: "Training the small model: 9 of 60" beside Accepted 0)', () => {
    expect(phaseLabel({ phase: 'train', done: 9, total: 60, detail: { epoch: 9, loss: 1, valAccuracy: 0, valMacroF1: 0, examplesPerSecond: 1, seconds: 1 } }, st(['prepare'])))
      .toBe('Training a first model on your own examples alone, to compare with later: epoch 9 of 60');
    expect(phaseLabel({ phase: 'train', done: 3, total: 60, detail: { epoch: 3, loss: 1, valAccuracy: 0, valMacroF1: 0, examplesPerSecond: 1, seconds: 1 } }, st(['prepare', 'baseline.seedsOnly', 'r0.synth.generate', 'r0.synth'])))
      .toBe('Training the small model on your examples and the teacher\'s, round 0: epoch 3 of 60');
  });
  it('names a fine-tuning round by its steps (the Accurate student)', () => {
    const step = { epoch: 2, step: 5, stepsInEpoch: 20, steps: 25, maxSteps: 80, loss: 0.5, stepsPerSecond: 2, examplesPerSecond: 16, etaSeconds: 27 };
    expect(phaseLabel({ phase: 'train-step', done: 25, total: 80, detail: step }, st(['prepare'])))
      .toBe('Training a first model on your own examples alone, to compare with later: step 25 of at most 80 (epoch 2)');
    expect(phaseLabel({ phase: 'train-step', done: 1200, total: 4000, detail: step }, st(['prepare', 'baseline.seedsOnly', 'r0.synth.generate', 'r0.synth'])))
      .toBe('Training the transformer on your examples and the teacher\'s, round 0: step 1,200 of at most 4,000 (epoch 2)');
  });
  it('names the teacher\'s job and its round', () => {
    const detail = { rejected: {}, failedRequests: {}, requests: 0, tokens: 0, promptTokens: 0, completionTokens: 0, skippedRequests: 0, jobId: 'run:r1:extrapolate' };
    expect(phaseLabel({ phase: 'synthesize', done: 4, total: 20, detail }, st(['prepare'])))
      .toBe('The teacher is writing examples like the model\'s mistakes, round 1: 4 of 20');
  });
  it('names missing reasons in words', () => {
    expect(missingText('not returned')).toBe('left out of the answer');
    expect(missingText('request failed')).toBe('request failed after every retry');
  });
});

describe('runErrorText', () => {
  it('says what was kept and what to press, in the page\'s words', () => {
    const t = runErrorText({ code: 'teacher-failing', message: 'The teacher kept failing during generate (round 0): Server error (HTTP 500)..', hint: 'run the same command again' }, 5);
    expect(t).toContain('(HTTP 500). The 5 examples accepted so far are kept.');
    expect(t).toContain('press Resume');
    expect(t).not.toContain('command');
  });

  it('keeps the core hint for codes the page has no words for', () => {
    expect(runErrorText({ code: 'other', message: 'Odd.', hint: 'Do this.' }, 0)).toBe('Odd. Do this.');
  });
});

it('names failure kinds in words', () => {
  expect(failureText('rate_limited')).toBe('rate limited (HTTP 429)');
  expect(failureText('something_new')).toBe('something new');
});
