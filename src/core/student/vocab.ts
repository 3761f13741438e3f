/**
 * The bounded vocabulary of the word student and the text → token-id matrix it reads.
 * Vocabulary = every training word the vectors know (plus training words seen twice that they do
 * not), then the most frequent GloVe words up to the cap, so test words unseen in training still
 * land near their meaning. Row 0 pads, row 1 is unknown.
 */
import { tokenize } from '../encode/tokenize.js';
import type { WordVectors } from '../encode/word-vectors.js';
import { tokenIds, type TokenIdRule } from '../encode/token-ids.js';
import { PAD, UNK } from './spec.js';
import { mulberry32 } from './random.js';

export interface Vocab {
  words: string[];
  index: Map<string, number>;
}

export function buildVocab(trainTexts: string[], wv: WordVectors, cap = 30_000): Vocab {
  const counts = new Map<string, number>();
  for (const t of trainTexts) for (const w of tokenize(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = ['<pad>', '<unk>'];
  const seen = new Set(words);
  const add = (w: string) => { if (!seen.has(w) && words.length < cap) { seen.add(w); words.push(w); } };
  [...counts.entries()].sort((a, b) => b[1] - a[1]).forEach(([w, c]) => { if (wv.index.has(w) || c >= 2) add(w); });
  for (const w of wv.words) { if (words.length >= cap) break; add(w); }
  return { words, index: new Map(words.map((w, i) => [w, i])) };
}

export function vocabFromList(words: string[]): Vocab {
  return { words, index: new Map(words.map((w, i) => [w, i])) };
}

/** Embedding init: GloVe rows where known, small seeded noise elsewhere, zeros for pad/unk. */
export function initialEmbeddings(vocab: Vocab, wv: WordVectors, seed: number): Float32Array {
  const { dim } = wv;
  const out = new Float32Array(vocab.words.length * dim);
  const rand = mulberry32(seed);
  vocab.words.forEach((w, i) => {
    if (i === PAD || i === UNK) return;
    const row = wv.index.get(w);
    for (let j = 0; j < dim; j++) out[i * dim + j] = row !== undefined ? wv.vectors[row * dim + j] : (rand() - 0.5) * 0.2;
  });
  return out;
}

/** Token count that covers 95% of training texts, within [16, 400]: long reviews are cut, tweets not padded to 400. */
export function chooseMaxTokens(texts: string[]): number {
  const lens = texts.map((t) => tokenize(t).length).sort((a, b) => a - b);
  const p95 = lens[Math.floor(0.95 * (lens.length - 1))] ?? 16;
  return Math.max(16, Math.min(400, p95));
}

/** texts → [n, rule.maxLen] int32, row-major, by the one token-id function. */
export function encodeTexts(texts: string[], vocab: Pick<Vocab, 'index'>, rule: TokenIdRule): Int32Array {
  const out = new Int32Array(texts.length * rule.maxLen);
  texts.forEach((t, r) => tokenIds(tokenize(t), vocab, rule, out, r * rule.maxLen));
  return out;
}
