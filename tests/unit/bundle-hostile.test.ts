/**
 * Crafted bundles whose hashes match (the manifest rewritten to fit), unlisted entries, lying
 * sizes, and damaged models in a run folder: each is refused with a UserError that names what is
 * wrong, before tfjs or the store ever see it (issue 18, item 7).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { zipSync, type Zippable } from 'fflate';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundleFiles, type BundleInput } from '../../src/core/bundle/export.js';
import { readBundle } from '../../src/core/bundle/import.js';
import { buildManifest } from '../../src/core/bundle/manifest.js';
import { openPredictor } from '../../src/core/bundle/predictor.js';
import { createBundleService } from '../../src/core/bundle/service.js';
import { writeRunBundle } from '../../src/core/bundle/write-node.js';
import { NodeStore } from '../../src/core/store/node.js';
import { isUserError } from '../../src/core/errors.js';
import { main } from '../../src/cli/main.js';
import { fixtureExamples, trainTinyStudent } from './bundle-fixture.js';

let input: BundleInput;
let dir: string;
const enc = new TextEncoder();

beforeAll(async () => {
  await tf.setBackend('cpu');
  const t = await trainTinyStudent(fixtureExamples());
  input = t.input;
  t.model.dispose();
  dir = await mkdtemp(join(tmpdir(), 'distillery-hostile-'));
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The bundle's files after `mutate`, with the manifest rehashed to match (unless `keepManifest`). */
async function craft(mutate: (f: Record<string, Uint8Array>) => void, opts: { extra?: Zippable; keepManifest?: boolean } = {}): Promise<Uint8Array> {
  const files = await buildBundleFiles(input);
  const createdAt = JSON.parse(new TextDecoder().decode(files['manifest.json'])).createdAt;
  delete files['manifest.json'];
  mutate(files);
  const manifest = opts.keepManifest ? undefined : await buildManifest(files, createdAt);
  const z: Zippable = { ...opts.extra };
  for (const [n, b] of Object.entries(files)) z[n] = b;
  if (manifest) z['manifest.json'] = enc.encode(JSON.stringify(manifest));
  return zipSync(z);
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try { await p; } catch (e) {
    if (isUserError(e)) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('crafted bundles with matching hashes', () => {
  it('labels.json as an object is refused, not read as "undefined" labels', async () => {
    const e = await refusal(readBundle(await craft((f) => { f['labels.json'] = enc.encode('{"neg":0,"pos":1}'); })));
    expect(e.code).toBe('bundle-bad-file');
    expect(e.message).toBe("The bundle's labels.json is an object, not a list of labels.");
    const other = await refusal(readBundle(await craft((f) => { f['labels.json'] = enc.encode('["neg","pos","extra"]'); })));
    expect(other.message).toMatch(/inference\.json lists other labels than labels\.json/);
  });

  it('short weights are refused before tfjs sees them', async () => {
    const e = await refusal(readBundle(await craft((f) => { f['weights.bin'] = f['weights.bin'].slice(0, f['weights.bin'].length - 100); })));
    expect(e.code).toBe('bundle-bad-weights');
    expect(e.message).toMatch(/weights are \d+ bytes, but its model needs \d+: the weights file is cut short/);
  });

  it('a broken data/train.jsonl names its line; an example with an unknown label is refused too', async () => {
    const e = await refusal(readBundle(await craft((f) => { f['data/train.jsonl'] = enc.encode(new TextDecoder().decode(f['data/train.jsonl']) + '{"id": broken\n'); })));
    expect(e.code).toBe('bundle-bad-file');
    expect(e.message).toMatch(/data\/train\.jsonl line 13 is not valid JSON/);
    const off = await refusal(readBundle(await craft((f) => {
      const lines = new TextDecoder().decode(f['data/train.jsonl']).split('\n');
      lines[0] = lines[0].replace('"label":"pos"', '"label":"other"');
      f['data/train.jsonl'] = enc.encode(lines.join('\n'));
    })));
    expect(off.message).toMatch(/line 1 is not an example/);
  });

  it('entries the manifest does not list are refused without being inflated', async () => {
    const bytes = await craft(() => undefined, { extra: { '../../evil.txt': enc.encode('pwned'), 'filler.bin': [new Uint8Array(64 << 20), { level: 1 }] } });
    const rss = process.memoryUsage().rss;
    const e = await refusal(readBundle(bytes));
    expect(e.code).toBe('bundle-unlisted-file');
    expect(e.message).toMatch(/holds 2 files its manifest does not list \("\.\.\/\.\.\/evil\.txt", "filler\.bin"\)/);
    expect(process.memoryUsage().rss - rss).toBeLessThan(48 << 20);
  });

  it('a manifest entry named toString with no such file is "missing"; names like __proto__ or ../x are not bundle names', async () => {
    const files = await buildBundleFiles(input);
    const m = JSON.parse(new TextDecoder().decode(files['manifest.json']));
    m.files.toString = { sha256: 'a'.repeat(64), bytes: 3 };
    files['manifest.json'] = enc.encode(JSON.stringify(m));
    const e = await refusal(readBundle(zipSync(files)));
    expect([e.code, e.message]).toEqual(['bundle-missing-file', expect.stringMatching(/missing a file: toString/)]);
    for (const bad of ['__proto__', '../x', '/etc/passwd', 'a\\b']) {
      const m2 = JSON.parse(new TextDecoder().decode((await buildBundleFiles(input))['manifest.json']));
      m2.files = JSON.parse(`{${JSON.stringify(bad)}: {"sha256": "${'a'.repeat(64)}", "bytes": 1}, ${JSON.stringify(m2.files).slice(1)}`);
      const f2 = await buildBundleFiles(input);
      f2['manifest.json'] = enc.encode(JSON.stringify(m2));
      const r = await refusal(readBundle(zipSync(f2)));
      expect(r.code, bad).toBe('bundle-bad-manifest');
    }
  });

  it('a zip whose sizes differ from the manifest, or a manifest declaring more than any bundle, is refused before inflating', async () => {
    const files = await buildBundleFiles(input);
    const m = JSON.parse(new TextDecoder().decode(files['manifest.json']));
    m.files['weights.bin'].bytes += 1;
    files['manifest.json'] = enc.encode(JSON.stringify(m));
    expect((await refusal(readBundle(zipSync(files)))).code).toBe('bundle-hash-mismatch');
    m.files['weights.bin'].bytes = 2 ** 31;
    files['manifest.json'] = enc.encode(JSON.stringify(m));
    expect((await refusal(readBundle(zipSync(files)))).code).toBe('bundle-too-large');
  });

  it('a model whose output does not match the labels is refused when opened, not at predict time', async () => {
    const three = ['neg', 'pos', 'mid'];
    const files = await craft((f) => {
      f['labels.json'] = enc.encode(JSON.stringify(three));
      const inf = JSON.parse(new TextDecoder().decode(f['inference.json']));
      inf.labels = three;
      f['inference.json'] = enc.encode(JSON.stringify(inf));
    });
    const bundle = await readBundle(files);
    const e = await refusal(openPredictor(bundle));
    expect(e.code).toBe('bundle-bad-model');
    expect(e.message).toMatch(/its labels\.json lists 3 labels/);
  });

  it('the CLI says so in one line and exits 1 (labels.json as an object used to exit 0 with "undefined" scores)', async () => {
    const f = join(dir, 'obj-labels.zip');
    await writeFile(f, await craft((x) => { x['labels.json'] = enc.encode('{"neg":0,"pos":1}'); }));
    let err = '';
    let out = '';
    const e = vi.spyOn(console, 'error').mockImplementation((s) => { err += String(s) + '\n'; });
    const w = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
    try {
      expect(await main(['predict', '--bundle', f, '--text', 'a fine film'])).toBe(1);
    } finally { e.mockRestore(); w.mockRestore(); }
    expect(err).toMatch(/^distillery predict: The bundle's labels\.json is an object, not a list of labels\. Export the bundle again/);
    expect(out).toBe('');
  });
});

describe('exporting from a run folder whose model file was damaged', () => {
  it('a truncated or altered weights file is refused, not bundled', async () => {
    const run = join(dir, 'run');
    const store = await NodeStore.open(join(run, 'store'));
    const good = await createBundleService(async () => store).importProject(await (await import('../../src/core/bundle/export.js')).writeBundle(input), 'b.zip');
    await store.close();
    const bin = join(run, 'store', 'models', `${good}-model.bin`);
    const original = await readFile(bin);
    await truncate(bin, original.length - 64);
    const s1 = await NodeStore.open(join(run, 'store'));
    const cut = await refusal(writeRunBundle(s1, good, join(dir, 'cut.zip')));
    expect(cut.code).toBe('store-corrupt');
    expect(cut.message).toMatch(/\d+ bytes, but \d+ were saved: the model's weights were cut short or changed/);
    const altered = Buffer.from(original);
    altered[10] ^= 0xff;
    await writeFile(bin, altered);
    expect((await refusal(writeRunBundle(s1, good, join(dir, 'alt.zip')))).message).toMatch(/its SHA-256 differs/);
    // A run folder from before the stored check: the export's own size check still holds.
    const json = join(run, 'store', 'models', `${good}-model.json`);
    const meta = JSON.parse(await readFile(json, 'utf8'));
    delete meta.storedWeights;
    await writeFile(json, JSON.stringify(meta));
    await truncate(bin, original.length - 64);
    const legacy = await refusal(writeRunBundle(s1, good, join(dir, 'legacy.zip')));
    expect(legacy.code).toBe('bad-weights');
    await s1.close();
  });
});
