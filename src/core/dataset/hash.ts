/**
 * A fast, stable 64-bit text hash (FNV-1a over UTF-16 code units, two lanes) for cache keys and
 * exact-duplicate checks. Not cryptographic: bundle integrity uses SHA-256 instead.
 */
export function textHash(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** Texts that differ only in case and surrounding space are one example: the key they share. */
export function sameTextKey(text: string): string {
  return textHash(text.trim().toLowerCase());
}

/** One key for a set of texts (order, case and surrounding space aside): scores on sets with the same key are comparable. */
export function textSetKey(texts: Iterable<string>): string {
  return textHash([...new Set([...texts].map(sameTextKey))].sort().join('\n'));
}
