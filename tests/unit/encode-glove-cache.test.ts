import { beforeAll, describe, expect, it } from 'vitest';
import { GloveEncoder } from '../../src/core/encode/glove.js';
import { cachedEncode } from '../../src/core/encode/cache.js';
import type { Encoder } from '../../src/core/encode/encoder.js';
import { loadWordVectorsFromDisk } from '../../src/core/encode/word-vectors-node.js';
import type { WordVectors } from '../../src/core/encode/word-vectors.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { isAbortError } from '../../src/core/errors.js';

let wv: WordVectors;
beforeAll(async () => { wv = await loadWordVectorsFromDisk(); });
const row = (w: string) => wv.vectors.subarray(wv.index.get(w)! * wv.dim, (wv.index.get(w)! + 1) * wv.dim);

describe('GloveEncoder', () => {
  it('mean-pools the rows of the known tokens and skips unknown ones', async () => {
    const enc = new GloveEncoder(wv);
    const [v] = await enc.encode(['Good movie zzqqxx!']);
    const expected = new Float32Array(100);
    for (const w of ['good', 'movie', '!']) row(w).forEach((x, j) => { expected[j]! += x / 3; });
    expect(v!.length).toBe(100);
    v!.forEach((x, j) => expect(x).toBeCloseTo(expected[j]!, 5));
  });

  it('mean-max pooling concatenates the mean with the per-dimension max', async () => {
    const enc = new GloveEncoder(wv, { pooling: 'mean-max' });
    expect(enc.dim).toBe(200);
    const [v] = await enc.encode(['good movie']);
    for (let j = 0; j < 100; j++) {
      expect(v![j]).toBeCloseTo((row('good')[j]! + row('movie')[j]!) / 2, 5);
      expect(v![100 + j]).toBeCloseTo(Math.max(row('good')[j]!, row('movie')[j]!), 5);
    }
    expect(enc.id).not.toBe(new GloveEncoder(wv).id);
  });

  it('gives a text without any known token the zero vector, not NaN', async () => {
    const [empty, numbers] = await new GloveEncoder(wv).encode(['', '12345 67890']);
    expect(Array.from(empty!).every((x) => x === 0)).toBe(true);
    expect(Array.from(numbers!).every((x) => x === 0)).toBe(true);
  });

  it('reports progress per chunk and stops on abort', async () => {
    const enc = new GloveEncoder(wv, { chunk: 10 });
    const texts = Array.from({ length: 35 }, (_, i) => `text number ${i} is fine`);
    const seen: number[] = [];
    const out = await enc.encode(texts, { onProgress: (p) => seen.push(p.done) });
    expect(out).toHaveLength(35);
    expect(seen).toEqual([10, 20, 30, 35]);
    const ac = new AbortController();
    ac.abort();
    await expect(enc.encode(texts, { signal: ac.signal })).rejects.toSatisfy(isAbortError);
  });
});

/** Wraps an encoder and records every text it is asked to embed. */
function counting(inner: Encoder): Encoder & { calls: string[][] } {
  const calls: string[][] = [];
  return { id: inner.id, dim: inner.dim, spec: inner.spec, calls, encode: (t, o) => { calls.push([...t]); return inner.encode(t, o); } };
}

describe('cachedEncode', () => {
  it('embeds each text once: retraining on the same and on more data re-embeds nothing it has seen', async () => {
    const store = new MemoryStore();
    const enc = counting(new GloveEncoder(wv));
    const round1 = ['a fine film', 'a dull film', 'a fine film', 'great acting'];
    const v1 = await cachedEncode(enc, round1, store);
    expect(enc.calls).toEqual([['a fine film', 'a dull film', 'great acting']]);
    expect(v1[0]).toEqual(v1[2]);

    const again = await cachedEncode(enc, round1, store);
    expect(enc.calls).toHaveLength(1);
    expect(again).toEqual(v1);

    await cachedEncode(enc, [...round1, 'new synthetic example'], store);
    expect(enc.calls).toHaveLength(2);
    expect(enc.calls[1]).toEqual(['new synthetic example']);
  });

  it('keys the cache by encoder id, so another encoder never gets these vectors', async () => {
    const store = new MemoryStore();
    const mean = counting(new GloveEncoder(wv));
    const meanMax = counting(new GloveEncoder(wv, { pooling: 'mean-max' }));
    await cachedEncode(mean, ['a fine film'], store);
    const [v] = await cachedEncode(meanMax, ['a fine film'], store);
    expect(meanMax.calls).toHaveLength(1);
    expect(v!.length).toBe(200);
  });

  it('keeps the chunks finished before an abort', async () => {
    const store = new MemoryStore();
    const enc = counting(new GloveEncoder(wv));
    const ac = new AbortController();
    const texts = ['one', 'two', 'three', 'four', 'five'];
    await expect(cachedEncode(enc, texts, store, {
      chunk: 2, signal: ac.signal, onProgress: (p) => { if (p.done >= 2) ac.abort(); },
    })).rejects.toSatisfy(isAbortError);
    enc.calls.length = 0;
    await cachedEncode(enc, texts, store);
    expect(enc.calls).toEqual([['three', 'four', 'five']]);
  });
});
