/**
 * Labels are user data, so any string: `constructor`, `toString`, `__proto__` must count, print
 * and score like `pos` and `neg` (issue 18, item 6).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { parseDataset } from '../../src/core/dataset/parse.js';
import { reportSummary } from '../../src/core/dataset/report.js';
import { countLabels, countOf } from '../../src/core/dataset/label-counts.js';
import { formatReport } from '../../src/cli/commands/inspect.js';
import { writeBundle } from '../../src/core/bundle/export.js';
import { readBundle } from '../../src/core/bundle/import.js';
import { openPredictor } from '../../src/core/bundle/predictor.js';
import { fixtureExamples, trainTinyStudent } from './bundle-fixture.js';

const NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
const csv = 'text,label\n' + NAMES.flatMap((l, i) => [`first text for ${i},${l}`, `second text for ${i},${l}`]).join('\n') + '\nthird text for 0,constructor\n';

describe('labels named like Object.prototype members', () => {
  it('are counted exactly in the parse report, its JSON and its human form', () => {
    const r = parseDataset(new TextEncoder().encode(csv), 'proto.csv');
    expect(Object.keys(r.classes)).toEqual(NAMES);
    expect(Object.entries(r.classes)).toEqual([['constructor', 3], ['toString', 2], ['__proto__', 2], ['hasOwnProperty', 2], ['valueOf', 2]]);
    expect(JSON.parse(JSON.stringify(reportSummary(r))).classes).toEqual(JSON.parse('{"constructor":3,"toString":2,"__proto__":2,"hasOwnProperty":2,"valueOf":2}'));
    expect(r.warnings.map((w) => w.code)).toEqual([]);
    const human = formatReport(r);
    expect(human).toMatch(/classes: 5\n/);
    expect(human).toMatch(/ {2}constructor {4}\s+3 {2}27\.3%/);
    expect(human).toMatch(/ {2}__proto__ {6}\s+2 {2}18\.2%/);
    expect(human).not.toMatch(/native code|NaN/);
  });

  it('countLabels keeps the given order and countOf never reads an inherited property', () => {
    const c = countLabels(['a', '__proto__'], ['toString', 'a', '__proto__']);
    expect(Object.entries(c)).toEqual([['toString', 0], ['a', 1], ['__proto__', 1]]);
    expect(countOf(c, 'constructor')).toBe(0);
    expect(countOf(c, '__proto__')).toBe(1);
  });

  it('a bundle with such labels predicts scores for every label', async () => {
    await tf.setBackend('cpu');
    const { input, model } = await trainTinyStudent(fixtureExamples());
    model.dispose();
    const labels = ['__proto__', 'constructor'];
    const bundle = await readBundle(await writeBundle({ ...input, labels, examples: input.examples.map((e) => ({ ...e, label: e.label === 'neg' ? '__proto__' : 'constructor' })) }));
    expect(bundle.labels).toEqual(labels);
    const p = await openPredictor(bundle);
    const [r] = await p.predict(['a great and wonderful film']);
    p.dispose();
    expect(Object.keys(r.scores)).toEqual(labels);
    expect(Object.values(r.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(r.label).toBe('constructor');
  }, 60_000);
});
