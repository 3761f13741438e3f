import { describe, expect, it } from 'vitest';
import { RunCounters, noCounts } from '../../src/app/synthesize/run-counters';
import { runErrorText } from '../../src/app/synthesize/run-errors';
import { failureText } from '../../src/app/synthesize/synth-settings';

// Completion tokens at twice the prompt tokens, so a mix-up of the two shows in the sums.
const counts = (accepted: number, tokens = 0, rejected: Record<string, number> = {}, failed: Record<string, number> = {}) => ({ accepted, promptTokens: tokens, completionTokens: 2 * tokens, rejected, failed });

describe('RunCounters', () => {
  it('sums each job once, whatever order its progress and the next job\'s arrive in', () => {
    const c = new RunCounters();
    c.update('gen', counts(20, 100, { duplicate: 1 }, { rate_limited: 1 }));
    c.update('rat', counts(3, 30));
    c.update('gen', counts(25, 120, { duplicate: 2 }, { rate_limited: 2 })); // the job's last event, late
    c.update('rat', counts(25, 300, {}, { malformed: 1 }));
    expect(c.totals()).toEqual(counts(50, 420, { duplicate: 2 }, { rate_limited: 2, malformed: 1 }));
  });

  it('starts from the store on resume: a resumed job\'s own total replaces what was stored for it', () => {
    const c = new RunCounters();
    const stored = new Map([['gen', counts(25, 100, { leak: 1 })], ['rat', counts(10, 40)]]);
    c.reset(stored, { server_error: 60 });
    expect(c.totals()).toEqual(counts(35, 140, { leak: 1 }, { server_error: 60 }));
    // The resumed job reports its total so far (the 10 kept included) and this session's tokens.
    c.update('rat', counts(12, 5, {}, { rate_limited: 1 }));
    expect(c.totals()).toEqual(counts(37, 145, { leak: 1 }, { server_error: 60, rate_limited: 1 }));
    expect(c.failedSoFar()).toEqual({ server_error: 60, rate_limited: 1 });
  });

  it('is empty before anything happened', () => {
    expect(new RunCounters().totals()).toEqual(noCounts());
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
