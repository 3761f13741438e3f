import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { parseDataset } from '../../src/core/dataset/parse.js';
import { gunzipCapped, GunzipError } from '../../src/core/dataset/gunzip.js';
import { isUserError } from '../../src/core/errors.js';

const enc = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${(from + i) % 3 === 0 ? 'pos' : 'neg'}\tsentence number ${from + i} of the pool`).join('\n') + '\n';
const failure = (fn: () => unknown) => {
  try { fn(); } catch (e) { return e; }
  throw new Error('expected a failure');
};

describe('gzip input: every member, a cap while inflating, truncation named', () => {
  it('a multi-member gzip (cat a.gz b.gz) reads every row, as zcat does', () => {
    // The shape of the report in issue 18: 3,421 rows in one member, 500 in the next.
    const mm = cat(gzipSync(enc('label\ttext\n' + lines(0, 3421))), gzipSync(enc(lines(3421, 3921))));
    const r = parseDataset(mm, 'pool.tsv.gz');
    expect(r.compressed).toBe(true);
    expect(r.rows).toBe(3921);
    expect(r.accepted).toBe(3921);
    expect(Object.keys(r.classes).sort()).toEqual(['neg', 'pos']);
  });

  it('a gzip cut short is called truncated, not "too large" and not a shorter file', () => {
    const gz = gzipSync(enc('label\ttext\n' + lines(0, 4000)));
    for (const keep of [gz.length - 3, gz.length - 8, Math.floor(gz.length / 2), 12]) {
      const e = failure(() => parseDataset(gz.subarray(0, keep), 'cut.tsv.gz'));
      expect(isUserError(e), `keep ${keep}`).toBe(true);
      expect((e as { code: string }).code, `keep ${keep}`).toBe('truncated-gzip');
      expect((e as Error).message).toMatch(/truncated gzip/);
    }
  });

  it('a size trailer that lies is refused as damaged, never used to cut the data', () => {
    const gz = gzipSync(enc('label\ttext\n' + lines(0, 2000)));
    const lie = gz.slice();
    new DataView(lie.buffer).setUint32(lie.length - 4, 5000, true);
    const e = failure(() => parseDataset(lie, 'lie.tsv.gz')) as { code: string; message: string };
    expect(e.code).toBe('bad-gzip');
    expect(e.message).toMatch(/says it holds 5000 bytes but inflates to \d+/);
    // A member in the middle whose CRC is wrong is damaged too.
    const a = gzipSync(enc(lines(0, 100)));
    a[a.length - 8] ^= 0xff;
    expect((failure(() => parseDataset(cat(a, gzipSync(enc(lines(100, 200)))), 'crc.tsv.gz')) as { code: string }).code).toBe('bad-gzip');
  });

  it('the cap stops inflating at the limit (a bomb is refused without inflating it whole)', () => {
    const bomb = gzipSync(new Uint8Array(64 * 1024 * 1024).fill(97), { level: 9 });
    expect(bomb.length).toBeLessThan(200_000);
    let seen = 0;
    const e = failure(() => gunzipCapped(bomb, 1024 * 1024));
    expect(e).toBeInstanceOf(GunzipError);
    expect((e as GunzipError).failure.kind).toBe('too-large');
    seen = (e as GunzipError).failure.kind === 'too-large' ? ((e as GunzipError).failure as { inflated: number }).inflated : 0;
    // It stopped within one inflater flush of the cap, far below the 64 MB the bomb holds.
    expect(seen).toBeLessThan(4 * 1024 * 1024);
    const u = failure(() => parseDataset(bomb, 'bomb.csv.gz', { maxBytes: 1024 * 1024 })) as { code: string; message: string };
    expect(u.code).toBe('too-large');
    expect(u.message).toMatch(/over the 1\.0 MB limit once decompressed/);
  });

  it('trailing garbage after the last member is refused as damaged', () => {
    const gz = cat(gzipSync(enc(lines(0, 50))), enc('not gzip at all'));
    expect((failure(() => parseDataset(gz, 'tail.tsv.gz')) as { code: string }).code).toBe('bad-gzip');
  });
});
