/**
 * Property: any bytes, under any file name, give a parse report or a UserError, never another
 * exception; a report accounts for every row. Fixed seed, so a failure reproduces; fast-check
 * prints the smallest input that fails (issue 18).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { parseDataset } from '../../src/core/dataset/parse.js';
import { isUserError } from '../../src/core/errors.js';

const SEED = 18;
const NAMES = ['data.csv', 'data.tsv', 'data.json', 'data.jsonl', 'data.txt', 'data', 'data.csv.gz', 'data.jsonl.gz'];
const enc = new TextEncoder();

/** Text made of the characters that steer the parser: delimiters, quotes, brackets, label prefixes. */
const tricky = fc.array(fc.oneof(
  fc.constantFrom(',', '\t', ';', '"', '\n', '\r\n', '\r', '{', '}', '[', ']', ':', '\\', ' ', '\uFEFF', '__label__', 'text', 'label',
    'constructor', '__proto__', 'toString', '0 ', '1 ', 'null', 'true', '=SUM(1)', '\u0000', '\uD800', 'é', '😀'),
  fc.string({ maxLength: 12 }),
), { maxLength: 120 }).map((parts) => parts.join(''));

/** JSON and JSONL documents of arbitrary shape (objects, lists, nesting, odd keys). */
const jsonDoc = fc.oneof(
  fc.json({ maxDepth: 6 }),
  fc.array(fc.json({ maxDepth: 4 }), { maxLength: 30 }).map((xs) => xs.join('\n')),
  fc.array(fc.record({ text: fc.oneof(fc.string(), fc.json({ maxDepth: 3 })), label: fc.oneof(fc.constantFrom('a', 'b', '__proto__', 'constructor'), fc.string()) }, { requiredKeys: [] }), { maxLength: 30 })
    .map((xs) => xs.map((x) => JSON.stringify(x)).join('\n')),
  // Keys that name Object.prototype members: a row without one must not read the inherited one.
  fc.array(fc.dictionary(fc.constantFrom('text', 'label', 'valueOf', 'toString', '__proto__', 'constructor', 'hasOwnProperty'), fc.oneof(fc.string({ maxLength: 8 }), fc.json({ maxDepth: 2 })), { maxKeys: 4 }), { maxLength: 12 })
    .map((xs) => xs.map((x) => JSON.stringify(x)).join('\n')),
);

function outcome(bytes: Uint8Array, name: string, requireLabels: boolean): 'report' | 'refused' {
  try {
    const r = parseDataset(bytes, name, { requireLabels, maxBytes: 1 << 20 });
    // Every row is accepted or rejected; the class counts add up to the labeled rows.
    expect(r.accepted + r.rejected.length).toBe(r.rows);
    expect(r.examples.length).toBe(r.accepted);
    const labeled = r.examples.filter((e) => e.label !== null).length;
    expect(Object.values(r.classes).reduce((a, b) => a + b, 0)).toBe(labeled);
    return 'report';
  } catch (e) {
    if (isUserError(e)) return 'refused';
    throw e;
  }
}

describe('parseDataset on arbitrary input (property)', () => {
  it('random bytes: a report or a UserError (4,000 cases)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom(...NAMES), fc.boolean(), (bytes, name, labels) => {
      outcome(bytes, name, labels);
    }), { seed: SEED, numRuns: 4000 });
  });

  it('delimiter-, quote- and bracket-heavy text, also gzipped: a report or a UserError (4,000 cases)', () => {
    fc.assert(fc.property(fc.oneof(tricky, jsonDoc), fc.constantFrom(...NAMES), fc.boolean(), fc.boolean(), (text, name, labels, gz) => {
      const bytes = enc.encode(text);
      outcome(gz ? gzipSync(bytes) : bytes, gz ? name + '.gz' : name, labels);
    }), { seed: SEED, numRuns: 4000 });
  });
});
