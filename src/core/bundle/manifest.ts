import { UserError } from '../errors.js';
import { BUNDLE_FORMAT_NAME, BUNDLE_FORMAT_VERSION, FILES, REQUIRED_FILES, type BundleManifest } from './format.js';
import { MAX_UNZIPPED_BYTES } from './zip.js';

/** manifest.json itself is a list of names and hashes: a few KB. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * A bundle's file names: relative paths of plain segments. No `..`, no absolute paths, no
 * backslashes or drive letters, and no `__proto__` (a name an object cannot hold as a key).
 */
export function isSafeBundleName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(name)
    && !name.split('/').some((seg) => seg === '.' || seg === '..' || seg === '__proto__');
}

/**
 * SHA-256 of bytes as lowercase hex. Web Crypto exists in browsers, workers and Node ≥ 20, so one
 * implementation serves every front.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function buildManifest(files: Record<string, Uint8Array>, createdAt: string): Promise<BundleManifest> {
  const entries: BundleManifest['files'] = {};
  for (const name of Object.keys(files).sort()) {
    if (name === FILES.manifest) continue;
    entries[name] = { sha256: await sha256Hex(files[name]), bytes: files[name].byteLength };
  }
  return { format: BUNDLE_FORMAT_NAME, formatVersion: BUNDLE_FORMAT_VERSION, createdAt, generator: 'distillery', files: entries };
}

const HINT_REEXPORT = 'Export the bundle again from Distillery, or download it again if it was copied.';

/** Parses manifest.json and refuses what this version cannot read, before anything else is trusted. */
export function parseManifest(bytes: Uint8Array | undefined): BundleManifest {
  if (!bytes) {
    throw new UserError('bundle-no-manifest', 'This zip has no manifest.json, so it is not a Distillery student bundle.', 'Choose a .zip exported by Distillery.');
  }
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new UserError('bundle-bad-manifest', 'The bundle\'s manifest.json is not valid JSON.', HINT_REEXPORT);
  }
  const o = m as Partial<BundleManifest>;
  if (!o || typeof o !== 'object' || o.format !== BUNDLE_FORMAT_NAME) {
    throw new UserError('bundle-bad-manifest', 'The manifest.json in this zip is not a Distillery bundle manifest.', 'Choose a .zip exported by Distillery.');
  }
  if (o.formatVersion !== BUNDLE_FORMAT_VERSION) {
    throw new UserError(
      'bundle-unknown-version',
      `This bundle has format version ${JSON.stringify(o.formatVersion)}, but this Distillery reads version ${BUNDLE_FORMAT_VERSION} only.`,
      typeof o.formatVersion === 'number' && o.formatVersion > BUNDLE_FORMAT_VERSION
        ? 'Update Distillery to open it.'
        : HINT_REEXPORT,
    );
  }
  if (!o.files || typeof o.files !== 'object' || Array.isArray(o.files)) {
    throw new UserError('bundle-bad-manifest', 'The bundle\'s manifest.json lists no files.', HINT_REEXPORT);
  }
  if (typeof o.createdAt !== 'string') {
    throw new UserError('bundle-bad-manifest', 'The bundle\'s manifest.json has no creation time.', HINT_REEXPORT);
  }
  let total = 0;
  for (const [name, entry] of Object.entries(o.files as Record<string, unknown>)) {
    if (!isSafeBundleName(name) || name === FILES.manifest) {
      throw new UserError('bundle-bad-manifest', `The bundle's manifest.json lists a file named ${JSON.stringify(name.slice(0, 80))}, which is not a bundle file name.`, HINT_REEXPORT);
    }
    const e = entry as { sha256?: unknown; bytes?: unknown } | null;
    if (!e || typeof e !== 'object' || typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)
      || typeof e.bytes !== 'number' || !Number.isSafeInteger(e.bytes) || e.bytes < 0) {
      throw new UserError('bundle-bad-manifest', `The bundle's manifest.json entry for ${name} is not a size and a SHA-256.`, HINT_REEXPORT);
    }
    total += e.bytes;
  }
  if (total > MAX_UNZIPPED_BYTES) {
    throw new UserError('bundle-too-large', `The bundle's manifest.json declares ${Math.round(total / 1024 / 1024)} MB of files, more than the ${Math.round(MAX_UNZIPPED_BYTES / 1024 / 1024)} MB any student bundle needs.`, 'Choose the .zip that Distillery exported.');
  }
  return o as BundleManifest;
}

/**
 * Checks that every file the manifest and the format require is present and that each hash
 * matches, naming the first file that fails.
 */
export async function verifyFiles(manifest: BundleManifest, files: Record<string, Uint8Array>): Promise<void> {
  const missing = [...new Set([...REQUIRED_FILES, ...Object.keys(manifest.files)])].filter((n) => !Object.hasOwn(files, n));
  if (missing.length) {
    throw new UserError(
      'bundle-missing-file',
      `The bundle is missing ${missing.length === 1 ? 'a file' : `${missing.length} files`}: ${missing.join(', ')}.`,
      HINT_REEXPORT,
    );
  }
  for (const name of REQUIRED_FILES) {
    if (!Object.hasOwn(manifest.files, name)) {
      throw new UserError('bundle-missing-file', `The bundle's manifest does not list ${name}.`, HINT_REEXPORT);
    }
  }
  for (const [name, entry] of Object.entries(manifest.files)) {
    const actual = await sha256Hex(files[name]);
    if (actual !== entry.sha256) {
      throw new UserError(
        'bundle-hash-mismatch',
        `The file ${name} in the bundle does not match its SHA-256 in manifest.json: it was changed or damaged after export.`,
        HINT_REEXPORT,
      );
    }
  }
}
