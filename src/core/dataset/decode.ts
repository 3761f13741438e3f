import { UserError } from '../errors.js';
import { gunzipCapped, GunzipError } from './gunzip.js';

/** Files above this many bytes (after decompression) are refused: they would not fit the page's memory budget. */
export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

export interface Decoded {
  text: string;
  encoding: 'utf-8' | 'utf-16le' | 'utf-16be';
  compressed: boolean;
  /** Bytes of the decoded payload (after gunzip). */
  bytes: number;
}

const MB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** Magic numbers of formats people upload by mistake, so the message can name them. */
const MAGIC: [string, number[]][] = [
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a JPEG image', [0xff, 0xd8, 0xff]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['a PDF document', [0x25, 0x50, 0x44, 0x46]],
  ['a ZIP archive (or an Excel/Word file)', [0x50, 0x4b, 0x03, 0x04]],
  ['an old Excel/Word file', [0xd0, 0xcf, 0x11, 0xe0]],
  ['a Parquet file', [0x50, 0x41, 0x52, 0x31]],
  ['an executable program (ELF)', [0x7f, 0x45, 0x4c, 0x46]],
];

function startsWith(b: Uint8Array, sig: number[]): boolean {
  return b.length >= sig.length && sig.every((v, i) => b[i] === v);
}

/**
 * Bytes → text, or one UserError that says what the file is and what to do. Refuses what a user
 * cannot mean as a text dataset (images, archives, binary), and never guesses an encoding
 * silently: UTF-8 (with or without BOM) and UTF-16 with a BOM are accepted; anything else is named.
 */
export function decodeBytes(input: Uint8Array, fileName: string, maxBytes = DEFAULT_MAX_BYTES): Decoded {
  if (input.length === 0) {
    throw new UserError('empty-file', `${fileName} is empty (0 bytes).`, 'Choose a file with one example per row.');
  }
  let bytes = input;
  let compressed = false;
  if (startsWith(bytes, [0x1f, 0x8b])) {
    // Every member is inflated (never trusting the size in the trailer), and the cap is enforced
    // while inflating, so neither `cat a.gz b.gz` nor a bomb is misread.
    try {
      bytes = gunzipCapped(bytes, maxBytes);
    } catch (e) {
      if (!(e instanceof GunzipError)) throw e;
      const f = e.failure;
      if (f.kind === 'too-large') throw tooBig(fileName, f.inflated, maxBytes, true, true);
      if (f.kind === 'truncated') {
        throw new UserError('truncated-gzip', `${fileName} is a truncated gzip file: ${f.detail}.`,
          'The download or copy was cut short: get the file again (`gzip -t FILE` checks it).');
      }
      throw new UserError('bad-gzip', `${fileName} looks gzip-compressed but could not be decompressed (${f.detail}).`,
        'Check that the download finished, or decompress it yourself and upload the plain file.');
    }
    compressed = true;
    if (bytes.length === 0) throw new UserError('empty-file', `${fileName} is empty once decompressed.`, 'Choose a file with one example per row.');
  }
  if (bytes.length > maxBytes) throw tooBig(fileName, bytes.length, maxBytes, compressed);

  for (const [what, sig] of MAGIC) {
    if (startsWith(bytes, sig)) {
      throw new UserError('not-text', `${fileName} is ${what}, not a text file.`,
        'Upload a CSV, TSV, JSONL or JSON file with one text per row (export it as CSV from a spreadsheet).');
    }
  }

  let encoding: Decoded['encoding'] = 'utf-8';
  if (startsWith(bytes, [0xff, 0xfe])) encoding = 'utf-16le';
  else if (startsWith(bytes, [0xfe, 0xff])) encoding = 'utf-16be';

  if (encoding === 'utf-8') {
    // NUL bytes never occur in UTF-8 text; any in the first 8 KB mean binary or BOM-less UTF-16.
    const head = bytes.subarray(0, 8192);
    const nuls = nulsByLane(head);
    if (nuls.even + nuls.odd > 0) {
      const utf16 = looksLikeUtf16(nuls);
      throw new UserError(utf16 ? 'bad-encoding' : 'not-text',
        utf16 ? `${fileName} looks like UTF-16 text without a byte-order mark, which cannot be read reliably.`
          : `${fileName} contains binary data (NUL bytes), so it is not a text file.`,
        utf16 ? 'Save it as UTF-8 (in most editors: Save As → Encoding: UTF-8) and upload it again.'
          : 'Upload a CSV, TSV, JSONL or JSON file with one text per row.');
    }
  }

  let text: string;
  try {
    // fatal: an invalid byte is an error, not a silent U+FFFD that would corrupt texts.
    text = new TextDecoder(encoding, { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const where = firstInvalidUtf8(bytes);
    throw new UserError('bad-encoding',
      `${fileName} is not valid ${encoding.toUpperCase()}${where >= 0 ? ` (first bad byte at offset ${where})` : ''}; it is probably Latin-1/Windows-1252 or another legacy encoding.`,
      'Convert it to UTF-8 (e.g. `iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv`, or Save As → CSV UTF-8 in a spreadsheet) and upload it again.');
  }
  return { text, encoding, compressed, bytes: bytes.length };
}

/**
 * The too-large error, also for callers that can see a file's size before reading it. `atLeast`:
 * reading stopped at the limit, `size` is only a lower bound.
 */
export function tooBig(fileName: string, size: number, maxBytes: number, compressed = false, atLeast = false): UserError {
  return new UserError('too-large',
    atLeast
      // Reading stopped at the limit, so the real size is unknown: say only that it is over.
      ? `${fileName} is over the ${MB(maxBytes)} limit${compressed ? ' once decompressed' : ''} (reading stopped there).`
      : `${fileName} is ${MB(size)}${compressed ? ' uncompressed' : ''}, over the ${MB(maxBytes)} limit.`,
    'Upload a sample of it (a few thousand rows is plenty for seeds and an unlabeled pool), or split it into smaller files.');
}

function nulsByLane(b: Uint8Array): { even: number; odd: number } {
  let even = 0;
  let odd = 0;
  for (let i = 0; i < b.length; i++) if (b[i] === 0) { if (i & 1) odd++; else even++; }
  return { even, odd };
}

/**
 * UTF-16 without a BOM: its NULs are the high bytes of ASCII characters (letters, digits, commas,
 * newlines), so nearly all of them sit in one byte lane (odd offsets for little-endian, even for
 * big-endian). A binary file (an executable, an image, a database) has NULs in both lanes. Counting
 * NULs alone called an ELF program "UTF-16 text".
 */
function looksLikeUtf16({ even, odd }: { even: number; odd: number }): boolean {
  const total = even + odd;
  return total >= 4 && Math.max(even, odd) >= 0.95 * total;
}

/** Offset of the first byte that breaks UTF-8, or -1; only used to make the message concrete. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const n = c < 0x80 ? 0 : (c & 0xe0) === 0xc0 ? 1 : (c & 0xf0) === 0xe0 ? 2 : (c & 0xf8) === 0xf0 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}
