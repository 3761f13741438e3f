/**
 * Embeddings cached in the store by (encoder id, text hash), so retraining, a new round or a
 * reload never re-embeds a text it has seen. Only the misses go to the encoder, in one batch per
 * `chunk`, and each chunk is written back before the next starts, so an abort or a crash keeps
 * what was already paid for.
 */
import { textHash } from '../dataset/hash.js';
import { throwIfAborted } from '../errors.js';
import type { LongOpOptions } from '../progress.js';
import type { Store } from '../store/store.js';
import type { Encoder } from './encoder.js';

export interface CachedEncodeOptions extends LongOpOptions {
  /** Misses per encoder call and store write. */
  chunk?: number;
}

export async function cachedEncode(
  encoder: Encoder,
  texts: string[],
  store: Store,
  opts: CachedEncodeOptions = {},
): Promise<Float32Array[]> {
  const chunk = opts.chunk ?? 256;
  const hashes = texts.map(textHash);
  const cached = await store.getEmbeddings(encoder.id, hashes);
  const out: (Float32Array | undefined)[] = cached.map((v) => (v && v.length === encoder.dim ? v : undefined));

  // Each distinct missing text is encoded once, even if it appears many times in `texts`.
  const missByHash = new Map<string, number[]>();
  out.forEach((v, i) => {
    if (v) return;
    const list = missByHash.get(hashes[i]!);
    if (list) list.push(i); else missByHash.set(hashes[i]!, [i]);
  });
  const misses = [...missByHash.entries()];
  const hits = texts.length - misses.reduce((n, [, idx]) => n + idx.length, 0);
  opts.onProgress?.({ phase: 'embed', done: hits, total: texts.length, detail: { cached: hits, encoder: encoder.id } });

  let done = hits;
  for (let start = 0; start < misses.length; start += chunk) {
    throwIfAborted(opts.signal);
    const part = misses.slice(start, start + chunk);
    const vectors = await encoder.encode(part.map(([, idx]) => texts[idx[0]!]!), { signal: opts.signal });
    await store.putEmbeddings(encoder.id, part.map(([hash], k) => ({ hash, vector: vectors[k]! })));
    part.forEach(([, idx], k) => { for (const i of idx) out[i] = vectors[k]!; done += idx.length; });
    opts.onProgress?.({ phase: 'embed', done, total: texts.length, detail: { cached: hits, encoder: encoder.id } });
  }
  return out as Float32Array[];
}

/** The encoder with the store in front: same id and vectors, each text embedded once ever. */
export function withCache(encoder: Encoder, store: Store, chunk?: number): Encoder {
  return {
    id: encoder.id,
    dim: encoder.dim,
    encode: (texts, opts = {}) => cachedEncode(encoder, texts, store, { ...opts, chunk }),
    dispose: () => encoder.dispose?.() ?? Promise.resolve(),
  };
}
