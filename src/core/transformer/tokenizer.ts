/**
 * Texts → word-piece ids, through `@huggingface/tokenizers` (the tokenizer library transformers.js
 * itself runs) on the model's own tokenizer.json and tokenizer_config.json: no hand-written
 * WordPiece, so lower-casing, accent stripping, Chinese characters and unknown words are exactly
 * the Hugging Face tokenizer's.
 *
 * Truncation is sentence-transformers' (a fast tokenizer called with truncation=True,
 * max_length=max_seq_length): the word pieces are cut to `maxTokens` minus the special tokens,
 * then [CLS] … [SEP] are added, so a long text keeps its first 254 pieces with MiniLM.
 *
 * Batches are formed by length (`lengthBatches`): texts sorted by token count, so short texts never
 * pay for a long one's padding; each batch is padded only to its own longest text.
 */
import { Tokenizer } from '@huggingface/tokenizers';

export interface TokenizedText {
  /** Word-piece ids including the special tokens, at most maxTokens. */
  ids: number[];
}

/** One padded batch: row r is texts[index[r]]. */
export interface TokenBatch {
  index: number[];
  /** [B, T] word-piece ids, padded with the pad id. */
  ids: Int32Array;
  /** [B, T] 1 for a real token, 0 for padding. */
  mask: Int32Array;
  batch: number;
  seqLen: number;
}

export class BertTokenizer {
  private readonly tok: Tokenizer;
  private readonly prefix: number[];
  private readonly suffix: number[];

  constructor(tokenizerJson: object, tokenizerConfig: object, readonly maxTokens: number, readonly padId = 0) {
    this.tok = new Tokenizer(tokenizerJson, tokenizerConfig);
    // The special tokens the post-processor puts around one text ([CLS] … [SEP] for BERT), found
    // by encoding a one-piece text with and without them.
    const probe = this.tok.encode('a').ids;
    const body = this.tok.encode('a', { add_special_tokens: false }).ids;
    const at = probe.indexOf(body[0]!);
    this.prefix = probe.slice(0, at);
    this.suffix = probe.slice(at + body.length);
    if (maxTokens <= this.prefix.length + this.suffix.length) throw new Error(`maxTokens ${maxTokens} leaves no room for text`);
  }

  /** sentence-transformers strips each text before tokenizing. */
  encode(text: string): TokenizedText {
    const body = this.tok.encode(text.trim(), { add_special_tokens: false }).ids;
    const room = this.maxTokens - this.prefix.length - this.suffix.length;
    return { ids: [...this.prefix, ...(body.length > room ? body.slice(0, room) : body), ...this.suffix] };
  }

  /** Word pieces of a text before truncation (for length statistics). */
  countPieces(text: string): number {
    return this.tok.encode(text.trim(), { add_special_tokens: false }).ids.length;
  }
}

/** Pads a list of tokenized texts to the longest among them. */
export function padBatch(items: TokenizedText[], index: number[], padId = 0): TokenBatch {
  const seqLen = Math.max(1, ...items.map((t) => t.ids.length));
  const ids = new Int32Array(items.length * seqLen).fill(padId);
  const mask = new Int32Array(items.length * seqLen);
  items.forEach((t, r) => {
    ids.set(t.ids, r * seqLen);
    mask.fill(1, r * seqLen, r * seqLen + t.ids.length);
  });
  return { index, ids, mask, batch: items.length, seqLen };
}

/**
 * Groups texts into batches of up to `batchSize` by token length (stable, shortest first), each
 * padded to its own longest text. `maxBatchTokens` caps batch × length, so a batch of 256-piece
 * texts stays within memory where 32 short ones would fit many times over.
 */
export function lengthBatches(items: TokenizedText[], batchSize: number, padId = 0, maxBatchTokens = Infinity): TokenBatch[] {
  const order = items.map((_, i) => i).sort((a, b) => items[a]!.ids.length - items[b]!.ids.length || a - b);
  const out: TokenBatch[] = [];
  let cur: number[] = [];
  const flush = () => {
    if (cur.length) out.push(padBatch(cur.map((i) => items[i]!), cur, padId));
    cur = [];
  };
  for (const i of order) {
    const len = items[i]!.ids.length;
    // Sorted ascending, so this text is the longest of the batch if it joins.
    if (cur.length >= batchSize || (cur.length > 0 && (cur.length + 1) * len > maxBatchTokens)) flush();
    cur.push(i);
  }
  flush();
  return out;
}
