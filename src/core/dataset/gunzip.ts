import { Gunzip } from 'fflate';

/**
 * Gzip → bytes, the way `gzip -d` reads a file: every member (what `cat a.gz b.gz` makes is one
 * valid gzip file), a size cap enforced while inflating (so a small bomb never grows past it), and
 * each member checked against its trailer (CRC-32 and size), so a cut-off download is called
 * truncated instead of being read as a shorter file.
 *
 * fflate's streaming `Gunzip` does the inflating and finds the members; it does not check the
 * trailers (and accepts a file cut inside the last one), which is the part done here.
 */

export type GunzipFailure =
  | { kind: 'too-large'; inflated: number }
  /** The data ends inside a member: the file was cut short. */
  | { kind: 'truncated'; detail: string }
  /** Not gzip, or a member whose check fails: damaged (or cut inside its 8-byte trailer). */
  | { kind: 'damaged'; detail: string };

export class GunzipError extends Error {
  constructor(readonly failure: GunzipFailure) {
    super(failure.kind === 'too-large' ? `over the size limit after ${failure.inflated} bytes` : failure.detail);
  }
}

/**
 * Deflate expands at most ~1032:1, and fflate inflates a whole pushed slice before it hands the
 * output over; so the input goes in slices small enough that one slice's output stays within a
 * quarter of the cap (memory never passes ~1.25× the cap), but not so small that the per-push
 * copies of the 32 KB window dominate.
 */
const sliceFor = (maxBytes: number) => Math.min(64 * 1024, Math.max(1024, Math.floor(maxBytes / 4 / 1032)));

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32Update(crc: number, d: Uint8Array): number {
  let c = ~crc;
  for (let i = 0; i < d.length; i++) c = CRC_TABLE[(c ^ d[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const u32le = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

/**
 * Inflates every member of a gzip stream, stopping as soon as the output would pass `maxBytes`.
 * Throws GunzipError (never anything else for any input).
 */
export function gunzipCapped(input: Uint8Array, maxBytes: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  // The member being inflated: its output size and CRC so far; where it started in the input.
  let memberSize = 0;
  let memberCrc = 0;
  const ends: { trailerAt: number; size: number; crc: number }[] = [];
  const g = new Gunzip((data) => {
    total += data.length;
    if (total > maxBytes) throw new GunzipError({ kind: 'too-large', inflated: total });
    if (data.length) chunks.push(data);
    memberSize += data.length;
    memberCrc = crc32Update(memberCrc, data);
  });
  // Called when the next member's header has been read: `offset` is where it starts, so the
  // member just finished has its 8-byte trailer right before it.
  g.onmember = (offset: number) => {
    ends.push({ trailerAt: offset - 8, size: memberSize, crc: memberCrc });
    memberSize = 0;
    memberCrc = 0;
  };
  try {
    if (input.length === 0) g.push(input, true);
    const slice = sliceFor(maxBytes);
    for (let at = 0; at < input.length; at += slice) g.push(input.subarray(at, at + slice), at + slice >= input.length);
  } catch (e) {
    if (e instanceof GunzipError) throw e;
    const msg = (e as Error).message;
    if (/unexpected EOF/i.test(msg)) throw new GunzipError({ kind: 'truncated', detail: `the data ends in the middle of a gzip member (after ${total} bytes of output)` });
    throw new GunzipError({ kind: 'damaged', detail: msg });
  }
  // The last member's trailer is the last 8 bytes (fflate does not require them to be there).
  ends.push({ trailerAt: input.length - 8, size: memberSize, crc: memberCrc });
  for (const [i, m] of ends.entries()) {
    const which = ends.length > 1 ? `gzip member ${i + 1} of ${ends.length}` : 'the gzip data';
    if (m.trailerAt < 10) throw new GunzipError({ kind: 'truncated', detail: `${which} ends before its trailer` });
    const crc = u32le(input, m.trailerAt);
    const isize = u32le(input, m.trailerAt + 4);
    if (crc === m.crc && isize !== m.size % 2 ** 32) {
      throw new GunzipError({ kind: 'damaged', detail: `${which} says it holds ${isize} bytes but inflates to ${m.size}` });
    }
    if (crc !== m.crc) {
      // At the end of the file a wrong checksum almost always means the last bytes are missing.
      throw new GunzipError(i === ends.length - 1
        ? { kind: 'truncated', detail: `${which} does not end with its checksum (the file was cut short, or damaged)` }
        : { kind: 'damaged', detail: `${which} fails its CRC-32 check` });
    }
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}
