/**
 * Property of bundle import (issue 18): any bytes, and any bundle whose files were replaced by
 * arbitrary content with the manifest rehashed to match, give a checked bundle or a UserError,
 * never another exception. Fixed seed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import { buildBundleFiles, isTransformerParts } from '../../src/core/bundle/export.js';
import { readBundle } from '../../src/core/bundle/import.js';
import { buildManifest } from '../../src/core/bundle/manifest.js';
import { weightsByteLength } from '../../src/core/bundle/validate.js';
import { isUserError } from '../../src/core/errors.js';
import { fixtureExamples, trainTinyStudent } from './bundle-fixture.js';

const SEED = 18;
const enc = new TextEncoder();
let files: Record<string, Uint8Array>;
let zip: Uint8Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const t = await trainTinyStudent(fixtureExamples());
  t.model.dispose();
  files = await buildBundleFiles(t.input);
  zip = zipSync(files);
}, 60_000);

async function outcome(bytes: Uint8Array): Promise<void> {
  try {
    const b = await readBundle(bytes);
    // What is accepted is what the predictor and the store rely on.
    expect(Array.isArray(b.labels) && b.labels.every((l) => typeof l === 'string')).toBe(true);
    // (This fixture is a layers-model bundle; a changed inference.json cannot make it another kind without failing its hash.)
    if (isTransformerParts(b.model)) throw new Error('a layers bundle read as a transformer');
    expect(b.model.weightData.byteLength).toBe(weightsByteLength(b.model.weightSpecs));
    for (const e of b.examples) expect(b.labels).toContain(e.label);
  } catch (e) {
    if (!isUserError(e)) throw e;
  }
}

describe('readBundle on hostile input (property)', () => {
  it('a real bundle cut, flipped, extended, or random bytes: a bundle or a UserError (2,000 cases)', async () => {
    const input = fc.oneof(
      fc.tuple(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }), fc.constantFrom('cut', 'flip', 'append'), fc.uint8Array({ maxLength: 64 }))
        .map(([at, flips, how, extra]) => {
          if (how === 'cut') return zip.slice(0, at % zip.length);
          if (how === 'append') { const c = new Uint8Array(zip.length + extra.length); c.set(zip); c.set(extra, zip.length); return c; }
          const c = zip.slice();
          for (const [p, x] of flips) c[p % c.length] ^= x;
          return c;
        }),
      fc.uint8Array({ maxLength: 2000 }),
    );
    await fc.assert(fc.asyncProperty(input, outcome), { seed: SEED, numRuns: 2000 });
  });

  it('files replaced by arbitrary JSON or bytes, manifest rehashed to match: a bundle or a UserError (2,000 cases)', async () => {
    const names = ['labels.json', 'inference.json', 'model.json', 'weights.bin', 'vocab.txt', 'data/train.jsonl', 'student.json', 'metrics.json', 'toString', 'extra/file.bin'];
    const content = fc.oneof(
      fc.json({ maxDepth: 4 }).map((j) => enc.encode(j)),
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom('{"neg":0,"pos":1}', '["neg"]', '["neg","neg"]', '["neg","pos",3]', '{"id":"x"}\n', '{"id":"a","text":"t","label":"zzz","split":"train","provenance":{"source":"seed","round":0,"createdAt":"x"}}\n').map((s) => enc.encode(s)),
    );
    const edit = fc.array(fc.tuple(fc.constantFrom(...names), fc.option(content, { nil: undefined })), { minLength: 1, maxLength: 3 });
    await fc.assert(fc.asyncProperty(edit, fc.boolean(), async (edits, rehash) => {
      const f: Record<string, Uint8Array> = { ...files };
      const createdAt = JSON.parse(new TextDecoder().decode(files['manifest.json'])).createdAt;
      delete f['manifest.json'];
      for (const [name, bytes] of edits) { if (bytes === undefined) delete f[name]; else f[name] = bytes; }
      f['manifest.json'] = rehash ? enc.encode(JSON.stringify(await buildManifest(f, createdAt))) : files['manifest.json'];
      await outcome(zipSync(f));
    }), { seed: SEED, numRuns: 2000 });
  });

  it('an arbitrary manifest.json: a bundle or a UserError (1,000 cases)', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(fc.json({ maxDepth: 5 }), fc.record({ format: fc.constant('distillery-student-bundle'), formatVersion: fc.constantFrom(1, 2, '1'), createdAt: fc.string(), files: fc.dictionary(fc.string({ maxLength: 10 }), fc.record({ sha256: fc.string(), bytes: fc.oneof(fc.integer(), fc.double()) })) }).map((m) => JSON.stringify(m))), async (manifest) => {
      await outcome(zipSync({ ...files, 'manifest.json': enc.encode(manifest) }));
    }), { seed: SEED, numRuns: 1000 });
  });
});
