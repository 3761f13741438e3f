/**
 * Properties of the gzip and zip readers (issue 18): any bytes give a result or a UserError,
 * never another exception; output never passes the cap; valid input round-trips. Fixed seed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gzipSync, zipSync } from 'fflate';
import { decodeBytes } from '../../src/core/dataset/decode.js';
import { gunzipCapped, GunzipError } from '../../src/core/dataset/gunzip.js';
import { unzipFiles } from '../../src/core/bundle/zip.js';
import { isUserError } from '../../src/core/errors.js';

const SEED = 18;
const CAP = 64 * 1024;

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

/** A valid input, then damage: a cut, flipped bytes, an insertion, or bytes appended. */
function damaged(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }), fc.uint8Array({ maxLength: 16 }), fc.constantFrom('cut', 'flip', 'insert', 'append', 'none'))
    .map(([b, at, flips, extra, how]) => {
      if (how === 'none' || b.length === 0) return b;
      const i = at % b.length;
      if (how === 'cut') return b.slice(0, i);
      if (how === 'insert') return concat([b.slice(0, i), extra, b.slice(i)]);
      if (how === 'append') return concat([b, extra]);
      const c = b.slice();
      for (const [p, x] of flips) c[p % c.length] ^= x;
      return c;
    });
}

/**
 * Highly compressible members (bombs relative to the cap: up to 16 MB from 16 KB), compressed
 * once here so each case costs an inflate, not a deflate.
 */
const BOMBS = [1024, 60 * 1024, 200 * 1024, 16 * 1024 * 1024].map((n) => ({ plain: n, gz: gzipSync(new Uint8Array(n).fill(97), { level: 9 }) }));

/** A member: small random data, or one of the bombs; as [plain bytes or their length, gzip bytes]. */
const member = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => ({ plain: b as Uint8Array | number, gz: gzipSync(b) })) },
  { weight: 1, arbitrary: fc.constantFrom(...BOMBS).map((b) => ({ plain: b.plain as Uint8Array | number, gz: b.gz })) },
);
const gzipMembers = fc.array(member, { minLength: 1, maxLength: 3 });
const plainOf = (p: Uint8Array | number) => (typeof p === 'number' ? new Uint8Array(p).fill(97) : p);

describe('gzip reader (property)', () => {
  it('valid single- or multi-member gzip round-trips exactly, or is refused as over the cap (3,000 cases)', () => {
    fc.assert(fc.property(gzipMembers, (members) => {
      const size = members.reduce((n, m) => n + (typeof m.plain === 'number' ? m.plain : m.plain.length), 0);
      const gz = concat(members.map((m) => m.gz));
      try {
        const got = gunzipCapped(gz, CAP);
        expect(got.length).toBe(size);
        expect(Buffer.compare(Buffer.from(got), Buffer.from(concat(members.map((m) => plainOf(m.plain)))))).toBe(0);
      } catch (e) {
        expect(e).toBeInstanceOf(GunzipError);
        expect((e as GunzipError).failure.kind).toBe('too-large');
        expect(size).toBeGreaterThan(CAP);
      }
    }), { seed: SEED, numRuns: 3000 });
  });

  it('damaged gzip and random bytes after the magic: bytes within the cap or a UserError (3,000 cases)', () => {
    const input = fc.oneof(
      damaged(gzipMembers.map((ms) => concat(ms.map((m) => m.gz)))),
      fc.uint8Array({ maxLength: 2000 }).map((b) => concat([new Uint8Array([0x1f, 0x8b]), b])),
    );
    const rss = process.memoryUsage().rss;
    fc.assert(fc.property(input, (bytes) => {
      try {
        const d = decodeBytes(bytes, 'x.csv.gz', CAP);
        expect(d.bytes).toBeLessThanOrEqual(CAP);
      } catch (e) {
        if (!isUserError(e)) throw e;
      }
    }), { seed: SEED, numRuns: 3000 });
    // Bombs of up to 16 MB against a 64 KB cap: memory stays near the cap, not the bomb.
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 1024 * 1024);
  });
});

const zipEntries = fc.dictionary(
  fc.oneof(fc.constantFrom('a.txt', 'dir/b.bin', '__proto__', 'constructor', '../up.txt', 'manifest.json', 'x/'), fc.string({ minLength: 1, maxLength: 12 })),
  fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(new Uint8Array(100 * 1024))),
  { maxKeys: 5 },
);

describe('zip reader (property)', () => {
  it('valid, damaged and random zips: files or a UserError, never more than the cap (3,000 cases)', () => {
    const input = fc.oneof(
      damaged(zipEntries.map((files) => {
        const z: Record<string, Uint8Array> = {};
        for (const [k, v] of Object.entries(files)) if (k !== '__proto__') z[k] = v;
        return zipSync(z);
      })),
      fc.uint8Array({ maxLength: 600 }).map((b) => concat([new Uint8Array([0x50, 0x4b, 0x03, 0x04]), b])),
      fc.uint8Array({ maxLength: 600 }),
    );
    fc.assert(fc.property(input, (bytes) => {
      try {
        const files = unzipFiles(bytes, 'The zip', 150 * 1024);
        let total = 0;
        for (const v of Object.values(files)) total += v.length;
        expect(total).toBeLessThanOrEqual(150 * 1024);
        expect(Object.getPrototypeOf(files)).toBe(null);
      } catch (e) {
        if (!isUserError(e)) throw e;
      }
    }), { seed: SEED, numRuns: 3000 });
  });
});
