import { unzipSync, zipSync, type Zippable } from 'fflate';
import { isUserError, UserError } from '../errors.js';

/**
 * Zip read and write through fflate (synchronous: bundles are a few MB and the callers already
 * run off the main thread, in the worker or the CLI).
 */

/** Names sorted and one given mtime, so the same files always give the same bytes. */
export function zipFiles(files: Record<string, Uint8Array>, mtime: Date = new Date('2020-01-01T00:00:00Z')): Uint8Array {
  // Zip times are local DOS times from 1980 on; anything unparseable falls back to a fixed date.
  const MTIME = Number.isFinite(mtime.getTime()) && mtime.getFullYear() >= 1980 ? mtime : new Date('2020-01-01T00:00:00Z');
  const z: Zippable = {};
  for (const name of Object.keys(files).sort()) {
    // Weights and vectors are nearly incompressible floats: storing them saves time for ~5%.
    // Float weights hardly compress (91 MB of MiniLM by 7%), and deflating them takes seconds.
    const level = /\.(bin|safetensors)$/.test(name) ? 0 : 6;
    z[name] = [files[name], { level, mtime: MTIME }];
  }
  return zipSync(z);
}

const EOCD = [0x50, 0x4b, 0x05, 0x06];
const LOCAL = [0x50, 0x4b, 0x03, 0x04];

function startsWith(bytes: Uint8Array, sig: number[], at = 0): boolean {
  return sig.every((b, i) => bytes[at + i] === b);
}

/** A zip ends with its central directory; without the end record the file was cut short. */
function hasEndRecord(bytes: Uint8Array): boolean {
  const from = Math.max(0, bytes.length - 22 - 0xffff);
  for (let i = bytes.length - 22; i >= from; i--) if (startsWith(bytes, EOCD, i)) return true;
  return false;
}

/** Far above any real bundle (the GloVe table is ~11 MB); refuses zip bombs before inflating. */
export const MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024;

/** What the central directory says about an entry, before anything is inflated. */
export interface ZipEntryInfo {
  name: string;
  /** Compressed bytes. */
  size: number;
  /** Bytes once inflated, as the zip states it (the inflater's output is bounded by it). */
  originalSize: number;
}

/**
 * The entries `accept` says yes to, inflated; the rest are never inflated. `accept` sees every
 * entry of the central directory and may throw a UserError to refuse the whole zip. The result has
 * no prototype, so an entry named like an Object member is a file like any other.
 *
 * fflate inflates an entry into a buffer of its stated `originalSize` and never grows it, so
 * capping what `accept` lets through caps memory, whatever the entries really hold.
 */
export function unzipSelected(bytes: Uint8Array, what: string, accept: (e: ZipEntryInfo) => boolean): Record<string, Uint8Array> {
  if (bytes.length < 22 || !(startsWith(bytes, LOCAL) || startsWith(bytes, EOCD))) {
    throw new UserError('bundle-not-zip', `${what} is not a zip archive.`, 'Choose the .zip that Distillery exported.');
  }
  if (!hasEndRecord(bytes)) {
    throw new UserError(
      'bundle-truncated',
      `${what} is a truncated zip: it ends before the zip's directory (${bytes.length} bytes), so the download or copy was cut short.`,
      'Download or copy the bundle again.',
    );
  }
  let out: Record<string, Uint8Array>;
  try {
    out = unzipSync(bytes, { filter: (f) => accept({ name: f.name, size: f.size, originalSize: f.originalSize }) });
  } catch (e) {
    if (isUserError(e)) throw e;
    throw new UserError(
      'bundle-truncated',
      `${what} is a damaged or truncated zip (${(e as Error).message}).`,
      'Download or copy the bundle again.',
    );
  }
  const files: Record<string, Uint8Array> = Object.create(null);
  // Folders appear as empty entries ending in '/': they are not files.
  for (const name of Object.keys(out)) if (!name.endsWith('/')) files[name] = out[name];
  return files;
}

/** Every file of a zip (any zip: dataset downloads, tests), refusing more than `maxUnzipped` in all. */
export function unzipFiles(bytes: Uint8Array, what = 'The file', maxUnzipped = MAX_UNZIPPED_BYTES): Record<string, Uint8Array> {
  let total = 0;
  return unzipSelected(bytes, what, (f) => {
    // fflate would assign it as `files['__proto__'] = …`, which sets a prototype, not a file.
    if (f.name === '__proto__') throw new UserError('bundle-bad-name', `${what} has an entry named __proto__, which is not a file name.`, 'Choose the .zip that Distillery exported.');
    total += f.originalSize;
    if (total > maxUnzipped) {
      throw new UserError('bundle-too-large', `${what} would unpack to more than ${Math.round(maxUnzipped / 1024 / 1024)} MB, far more than any student bundle.`, 'Choose the .zip that Distillery exported.');
    }
    return true;
  });
}
