/** The pure logic behind the flow's steps: ETA, filters, windowing, chart scales, CSP text, saved state. */
import { describe, expect, it } from 'vitest';
import { Eta, formatDuration } from '../../src/app/synthesize/eta';
import { settingsProblems, defaultSynthSettings, formatCost, setShare, toShares } from '../../src/app/synthesize/synth-settings';
import { filterExamples, facets, NO_FILTER, reviewSource, UNLABELED } from '../../src/app/review/filter';
import { visibleRange } from '../../src/app/review/window';
import { niceTicks, extent, tickLabels } from '../../src/app/charts/scale';
import { connectPolicy, staticPolicy, teacherOrigin, storedTeacherOrigin } from '../../src/app/flow/csp';
import { parseSnapshot } from '../../src/app/flow/snapshot';
import { baseUrlProblem, loadTeacherSettings } from '../../src/app/teacher/teacher-settings';
import { roundSeries, rowShares, worstFirst } from '../../src/app/evaluate/evaluation';
import type { Example } from '../../src/core/dataset/example';

const ex = (id: string, text: string, label: string | null, source: Example['provenance']['source'], round: number, split: Example['split'] = 'train'): Example =>
  ({ id, text, label, split, provenance: { source, round, createdAt: '2026-01-01T00:00:00Z' } });

describe('Eta', () => {
  it('estimates from the recent rate and knows nothing from one reading', () => {
    const eta = new Eta();
    eta.push(0, 0);
    expect(eta.remaining(100)).toBeNull();
    eta.push(10, 1000);
    expect(eta.remaining(100)).toBeCloseTo(9000);
  });
  it('follows a slowdown instead of averaging the whole run', () => {
    const eta = new Eta(5000);
    for (let t = 0; t <= 10_000; t += 1000) eta.push(t / 100, t); // 10 per second
    for (let t = 11_000; t <= 30_000; t += 1000) eta.push(100 + (t - 10_000) / 1000, t); // 1 per second
    expect(eta.remaining(200)).toBeCloseTo(80_000, -3);
  });
  it('restarts when a new phase counts from zero, and has no rate while stalled', () => {
    const eta = new Eta();
    eta.push(50, 0);
    eta.push(60, 1000);
    eta.push(0, 2000);
    expect(eta.remaining(10)).toBeNull();
    eta.push(0, 3000);
    expect(eta.remaining(10)).toBeNull();
  });
  it('formats coarsely', () => {
    expect(formatDuration(12_000)).toBe('about 10 s');
    expect(formatDuration(185_000)).toBe('about 3 min');
    expect(formatDuration(3_900_000)).toBe('about 1 h 5 min');
  });
});

describe('synthesis settings', () => {
  it('refuse annotation without unlabeled texts, tiny budgets and no strategy, each with what to do', () => {
    const s = defaultSynthSettings(false);
    expect(settingsProblems(s, false)).toEqual([]);
    expect(settingsProblems({ ...s, mix: { annotate: 1, generate: 0, rationale: 0 } }, false)[0]).toMatch(/Data step/);
    expect(settingsProblems({ ...s, budget: 3 }, false)[0]).toMatch(/at least 10/);
    expect(settingsProblems({ ...s, mix: { annotate: 0, generate: 0, rationale: 0 } }, true)[0]).toMatch(/at least one strategy/);
  });
  it('start with shares that add up to 100% over the usable strategies', () => {
    expect(defaultSynthSettings(false).mix).toEqual({ generate: 50, rationale: 50, annotate: 0 });
    expect(defaultSynthSettings(true).mix).toEqual({ generate: 34, rationale: 33, annotate: 33 });
  });
  it('read settings saved as 0-10 weights as the shares they meant', () => {
    expect(toShares({ generate: 2, rationale: 1, annotate: 0 }, false)).toEqual({ generate: 67, rationale: 33, annotate: 0 });
    // Annotation weight without unlabeled texts cannot be used: its share goes to the others.
    expect(toShares({ generate: 1, rationale: 1, annotate: 5 }, false)).toEqual({ generate: 50, rationale: 50, annotate: 0 });
  });
  it('moving one share gives the rest to the others in proportion, always summing to 100', () => {
    const three = { generate: 50, rationale: 25, annotate: 25 };
    expect(setShare(three, 'generate', 80, true)).toEqual({ generate: 80, rationale: 10, annotate: 10 });
    expect(setShare(three, 'rationale', 0, true)).toEqual({ generate: 67, rationale: 0, annotate: 33 });
    // The others had nothing: they split the rest evenly.
    expect(setShare({ generate: 100, rationale: 0, annotate: 0 }, 'generate', 40, true)).toEqual({ generate: 40, rationale: 30, annotate: 30 });
    // Annotation unusable: it stays at 0 and cannot be set.
    expect(setShare({ generate: 50, rationale: 50, annotate: 0 }, 'generate', 70, false)).toEqual({ generate: 70, rationale: 30, annotate: 0 });
    expect(setShare({ generate: 50, rationale: 50, annotate: 0 }, 'annotate', 70, false)).toEqual({ generate: 50, rationale: 50, annotate: 0 });
    for (let v = 0; v <= 100; v += 7) {
      const m = setShare(three, 'annotate', v, true);
      expect(m.generate + m.rationale + m.annotate).toBe(100);
      expect(m.annotate).toBe(v);
    }
  });
  it('prints small costs with enough digits', () => {
    expect(formatCost(0)).toBe('$0');
    expect(formatCost(0.00123)).toBe('$0.0012');
    expect(formatCost(1.5)).toBe('$1.50');
  });
});

describe('review filter', () => {
  const xs = [
    ex('a', 'Refund my invoice', 'billing', 'seed', 0),
    ex('b', 'App crashes on start', 'bug', 'generated', 0),
    ex('c', 'crash when exporting invoices', 'bug', 'extrapolated', 1, 'val'),
    ex('d', 'no idea', null, 'seed', 0, 'unlabeled'),
  ];
  it('combines filters and matches every search word in any order, ignoring case', () => {
    expect(filterExamples(xs, { ...NO_FILTER, label: 'bug' }).map((e) => e.id)).toEqual(['b', 'c']);
    expect(filterExamples(xs, { ...NO_FILTER, label: 'bug', round: 1 }).map((e) => e.id)).toEqual(['c']);
    expect(filterExamples(xs, { ...NO_FILTER, query: 'INVOICE crash' }).map((e) => e.id)).toEqual(['c']);
    expect(filterExamples(xs, { ...NO_FILTER, label: UNLABELED }).map((e) => e.id)).toEqual(['d']);
    expect(filterExamples(xs, { ...NO_FILTER, source: 'seed', split: 'train' }).map((e) => e.id)).toEqual(['a']);
  });
  it('offers only values that occur', () => {
    expect(facets(xs)).toEqual({ sources: ['extrapolated', 'generated', 'seed', 'unlabeled'], rounds: [0, 1], splits: ['train', 'unlabeled', 'val'] });
  });
  it('names an unlabeled text as the user\'s text, never "your seed", and a user text the teacher labeled as such (issue 19)', () => {
    const mine = { ...ex('e', 'my own text', 'bug', 'generated', 0), provenance: { source: 'generated' as const, round: 0, file: 'pool.csv', row: 3, createdAt: '2026-01-01T00:00:00Z' } };
    expect([...xs, mine].map(reviewSource)).toEqual(['seed', 'generated', 'extrapolated', 'unlabeled', 'annotated']);
    expect(filterExamples(xs, { ...NO_FILTER, source: 'seed' }).map((e) => e.id)).toEqual(['a']);
    expect(filterExamples(xs, { ...NO_FILTER, source: 'unlabeled' }).map((e) => e.id)).toEqual(['d']);
  });
});

describe('visibleRange', () => {
  it('covers the viewport plus overscan and stays inside the list', () => {
    expect(visibleRange(0, 400, 40, 5000, 5)).toEqual({ start: 0, end: 15 });
    expect(visibleRange(4000, 400, 40, 5000, 5)).toEqual({ start: 95, end: 115 });
    expect(visibleRange(1e9, 400, 40, 50, 5)).toEqual({ start: 45, end: 50 }); // scrolled past a list a filter shrank
    expect(visibleRange(0, 400, 40, 3, 5)).toEqual({ start: 0, end: 3 });
  });
});

describe('chart scale', () => {
  it('picks round ticks that cover the data', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 2.71, 5)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(0.13, 2.71, 10)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3]);
    const flat = niceTicks(0.5, 0.5);
    expect(flat[0]).toBeLessThan(0.5);
    expect(flat[flat.length - 1]).toBeGreaterThan(0.5);
  });
  it('labels every tick differently, with the decimals the step needs', () => {
    expect(tickLabels([0, 0.2, 0.4])).toEqual(['0', '0.2', '0.4']);
    // A nearly flat loss curve: the short form read "1.1" on every tick.
    const ticks = niceTicks(1.0985, 1.0995, 5);
    const labels = tickLabels(ticks);
    expect(new Set(labels).size).toBe(ticks.length);
    expect(labels).toContain('1.099');
  });
  it('ignores gaps', () => {
    expect(extent([null, 2, NaN, -1, undefined])).toEqual([-1, 2]);
    expect(extent([null])).toBeNull();
  });
});

describe('CSP', () => {
  it('admits only the teacher origin, never its path, and no default-src the teacher would fall back to', () => {
    expect(teacherOrigin('https://api.openai.com/v1')).toBe('https://api.openai.com');
    expect(teacherOrigin('http://127.0.0.1:11434/v1/')).toBe('http://127.0.0.1:11434');
    expect(teacherOrigin('javascript:alert(1)')).toBeNull();
    expect(connectPolicy('https://api.openai.com', [])).toBe("connect-src 'self' https://api.openai.com");
    expect(connectPolicy(null, [])).toBe("connect-src 'self'");
    expect(staticPolicy('build')).not.toMatch(/default-src|connect-src|'unsafe-inline'|'unsafe-eval'/);
    expect(staticPolicy('build')).toMatch(/object-src 'none'/);
  });
  it('reads a stored origin back, refusing junk', () => {
    expect(storedTeacherOrigin({ getItem: () => 'http://localhost:8000' })).toBe('http://localhost:8000');
    expect(storedTeacherOrigin({ getItem: () => 'data:text/html,x' })).toBeNull();
    expect(storedTeacherOrigin({ getItem: () => null })).toBeNull();
  });
});

describe('saved state', () => {
  it('falls back to the first step on a malformed or stale snapshot', () => {
    expect(parseSnapshot('{"projectId":"p1","step":"review"}')).toEqual({ projectId: 'p1', step: 'review' });
    expect(parseSnapshot('{"step":"nonsense"}')).toEqual({ projectId: null, step: 'data' });
    expect(parseSnapshot('not json')).toEqual({ projectId: null, step: 'data' });
  });
  it('teacher settings never carry a key and reject unusable addresses with a hint', () => {
    const s = loadTeacherSettings({ getItem: () => JSON.stringify({ presetId: 'ollama', baseURL: 'http://x:1/v1', model: 'm', apiKey: 'sk' }) });
    expect(s).toEqual({ presetId: 'ollama', baseURL: 'http://x:1/v1', model: 'm' });
    expect(baseUrlProblem('')).toMatch(/Enter the server address/);
    expect(baseUrlProblem('localhost:11434')).toMatch(/http:\/\/ or https:\/\//);
    expect(baseUrlProblem('https://user:sk@api.x/v1')).toMatch(/API key field/);
    expect(baseUrlProblem('https://api.openai.com/v1')).toBeNull();
  });
});

describe('evaluation view', () => {
  it('never joins scores on different sets of texts in one line; rounds on the same texts share one', () => {
    const on = (a: number, role: 'selection' | 'validation' | 'test', key: string, n: number) => ({ accuracy: a, macroF1: a, confusion: [], perClass: [], n, set: { role, key } });
    const { xLabels, series } = roundSeries([
      { round: 0, source: 'synthesis', val: on(0.75, 'selection', 'S', 6), test: on(0.6, 'test', 'T', 200) },
      { round: 1, source: 'synthesis', val: on(0.917, 'selection', 'S', 6), test: on(0.62, 'test', 'T', 200) },
      { round: 2, source: 'train-step', val: on(0.5, 'validation', 'V', 12), test: on(0.63, 'test', 'T', 200) },
    ]);
    expect(xLabels).toEqual(['Round 0', 'Round 1', 'Train step']);
    const byName = Object.fromEntries(series.map((s) => [s.name, s.values]));
    expect(byName['Validation, selection half (6 texts) accuracy']).toEqual([0.75, 0.917, null]);
    expect(byName['Validation (12 texts) accuracy']).toEqual([null, null, 0.5]);
    // The same test texts: one line through every round.
    expect(byName['Test (200 texts) accuracy']).toEqual([0.6, 0.62, 0.63]);
    // Another test set (a file replaced later) is another line, even with as many texts.
    const two = roundSeries([{ round: 0, test: on(0.6, 'test', 'T', 200) }, { round: 1, test: on(0.7, 'test', 'U', 200) }]);
    expect(two.series.map((s) => s.name)).toEqual(['Test (200 texts) macro-F1', 'Test (200 texts) accuracy', 'Test (200 texts, set 2) macro-F1', 'Test (200 texts, set 2) accuracy']);
  });

  it('drops series with no data, normalises rows and puts confident mistakes first', () => {
    const m = (a: number) => ({ accuracy: a, macroF1: a - 0.1, confusion: [], perClass: [], n: 10 });
    const { xLabels, series } = roundSeries([{ round: 1, val: m(0.8) }, { round: 0, val: m(0.6) }]);
    expect(xLabels).toEqual(['Round 0', 'Round 1']);
    expect(series.map((s) => s.name)).toEqual(['Validation (10 texts) macro-F1', 'Validation (10 texts) accuracy']);
    expect(series[1].values).toEqual([0.6, 0.8]);
    expect(rowShares([[3, 1], [0, 0]])).toEqual([[0.75, 0.25], [0, 0]]);
    const w = worstFirst([{ id: 'a', text: '', label: 'x', predicted: 'y', confidence: 0.4 }, { id: 'b', text: '', label: 'x', predicted: 'y', confidence: 0.9 }]);
    expect(w.map((x) => x.id)).toEqual(['b', 'a']);
  });
});
