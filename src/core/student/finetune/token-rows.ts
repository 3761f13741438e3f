/**
 * A fine-tuning student's input: every text's word-piece ids, kept ragged (one flat array and
 * offsets, 2 bytes a piece for vocabularies under 65,536), and turned into tensors one batch at a
 * time. 50,000 texts of 60 pieces hold 6 MB here; a padded [N, T] tensor of all of them is never
 * made.
 *
 * Also the two length decisions: the longest input the student takes (`chooseMaxTokens`: a high
 * percentile of the training texts' lengths, capped at the model's limit) and how texts are
 * grouped into batches (`lengthBuckets`: a shuffled epoch cut into chunks, each sorted by length and
 * split under a token budget, so a batch pads little and holds at most as many tokens as memory
 * allows).
 */
import type { BertTokenizer, TokenBatch } from '../../transformer/tokenizer.js';

export class TokenRows {
  private constructor(
    private readonly ids: Uint16Array | Int32Array,
    private readonly offsets: Int32Array,
    readonly padId: number,
  ) {}

  /** Tokenizes texts with `tokenizer` (its maxTokens cuts them: sentence-transformers' truncation). */
  static encode(texts: string[], tokenizer: BertTokenizer, vocabSize: number): TokenRows {
    const offsets = new Int32Array(texts.length + 1);
    const pieces: number[][] = texts.map((t, i) => {
      const ids = tokenizer.encode(t).ids;
      offsets[i + 1] = offsets[i]! + ids.length;
      return ids;
    });
    const flat = vocabSize <= 65_536 ? new Uint16Array(offsets[texts.length]!) : new Int32Array(offsets[texts.length]!);
    pieces.forEach((p, i) => flat.set(p, offsets[i]!));
    return new TokenRows(flat, offsets, tokenizer.padId);
  }

  get rows(): number {
    return this.offsets.length - 1;
  }

  /** Word pieces of every row together (specials included, no padding). */
  totalLength(): number {
    return this.offsets[this.rows]! - this.offsets[0]!;
  }

  /** Word pieces of row r, specials included. */
  length(r: number): number {
    return this.offsets[r + 1]! - this.offsets[r]!;
  }

  /** Row r's ids. */
  row(r: number): Uint16Array | Int32Array {
    return this.ids.subarray(this.offsets[r]!, this.offsets[r + 1]!);
  }

  /** Rows `idx`, padded to the longest of them: what one forward pass takes. */
  batch(idx: readonly number[]): TokenBatch {
    const seqLen = Math.max(1, ...idx.map((r) => this.length(r)));
    const ids = new Int32Array(idx.length * seqLen).fill(this.padId);
    const mask = new Int32Array(idx.length * seqLen);
    idx.forEach((r, i) => {
      ids.set(this.row(r), i * seqLen);
      mask.fill(1, i * seqLen, i * seqLen + this.length(r));
    });
    return { index: [...idx], ids, mask, batch: idx.length, seqLen };
  }
}

/**
 * The student's maximum input length: the `quantile` of the training texts' word-piece counts
 * (specials included, before truncation), at least `min`, at most the model's limit. Longer
 * texts are cut to it, in training and at prediction alike (it is saved in the spec).
 */
export function chooseMaxTokens(pieceCounts: number[], limit: number, quantile = 0.99, min = 32): number {
  if (!pieceCounts.length) return Math.min(limit, min);
  const sorted = [...pieceCounts].sort((a, b) => a - b);
  const q = sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)]!;
  return Math.min(limit, Math.max(min, q));
}

/**
 * Batches for one epoch from its shuffled `order`: chunks of `chunk` consecutive examples are
 * sorted by length and cut into batches of at most `batchSize` texts and `maxTokens` padded tokens
 * (batch × its longest text), then the batches are shuffled by `rand` (so an epoch does not run
 * short to long). Every row of `order` is in exactly one batch.
 */
export function lengthBuckets(order: readonly number[], length: (r: number) => number, o: { batchSize: number; maxTokens: number; chunk?: number; rand: () => number }): number[][] {
  const chunk = o.chunk ?? o.batchSize * 50;
  const batches: number[][] = [];
  for (let s = 0; s < order.length; s += chunk) {
    const part = order.slice(s, s + chunk).sort((a, b) => length(a) - length(b));
    let cur: number[] = [];
    for (const r of part) {
      // Sorted ascending, so r is the longest of the batch if it joins.
      if (cur.length && (cur.length >= o.batchSize || (cur.length + 1) * length(r) > o.maxTokens)) {
        batches.push(cur);
        cur = [];
      }
      cur.push(r);
    }
    if (cur.length) batches.push(cur);
  }
  for (let i = batches.length - 1; i > 0; i--) {
    const j = Math.floor(o.rand() * (i + 1));
    [batches[i], batches[j]] = [batches[j]!, batches[i]!];
  }
  return batches;
}
