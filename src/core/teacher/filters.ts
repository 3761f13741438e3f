/**
 * Quality filters for teacher output. Every rejection has a reason that ends up in the summary:
 * off-label, malformed, too-short, too-long, duplicate (exact or near, among the new examples and
 * against the seeds) and leak (a copy or near copy of a validation or test text).
 *
 * Near duplicates: word shingles (unigrams and bigrams, so one inserted word in a short sentence
 * still reads as the same sentence) of the normalized text, compared by Jaccard similarity. An inverted index over shingles finds the candidates, so
 * each check costs about the number of texts that share a word pair, not the whole set.
 */
import { textHash } from '../dataset/hash.js';

export type RejectReason = 'off-label' | 'malformed' | 'too-short' | 'too-long' | 'duplicate' | 'leak' | 'low-agreement' | 'missing';

export interface FilterOptions {
  labels: string[];
  minChars?: number;
  maxChars?: number;
  /** Jaccard similarity of shingle sets at or above which two texts count as the same. */
  nearDuplicateThreshold?: number;
}

/** Lower case, accents and punctuation dropped, whitespace collapsed: the text's identity for dedup. */
export function normalizeText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

function shingles(norm: string): Set<string> {
  const words = norm.split(' ').filter(Boolean);
  const out = new Set<string>();
  for (const w of words) out.add(w);
  for (let i = 0; i + 1 < words.length; i++) out.add(words[i] + ' ' + words[i + 1]);
  return out;
}

/** A set of texts that answers "is this (nearly) one of them?". */
export class DedupIndex {
  private exact = new Set<string>();
  private sets: Set<string>[] = [];
  private postings = new Map<string, number[]>();

  constructor(private readonly threshold = 0.8) {}

  get size(): number { return this.sets.length; }

  /** 'exact', 'near' or undefined. */
  match(text: string): 'exact' | 'near' | undefined {
    if (this.sets.length === 0) return undefined;
    const norm = normalizeText(text);
    if (this.exact.has(textHash(norm))) return 'exact';
    const sh = shingles(norm);
    if (sh.size === 0) return undefined;
    const shared = new Map<number, number>();
    for (const s of sh) for (const id of this.postings.get(s) ?? []) shared.set(id, (shared.get(id) ?? 0) + 1);
    for (const [id, n] of shared) {
      const jaccard = n / (sh.size + this.sets[id].size - n);
      if (jaccard >= this.threshold) return 'near';
    }
    return undefined;
  }

  add(text: string): void {
    const norm = normalizeText(text);
    this.exact.add(textHash(norm));
    const id = this.sets.length;
    const sh = shingles(norm);
    this.sets.push(sh);
    for (const s of sh) {
      let p = this.postings.get(s);
      if (!p) this.postings.set(s, (p = []));
      p.push(id);
    }
  }
}

/**
 * The filter state of one job: what has been accepted (and the seeds) for duplicates, and the
 * validation/test texts for the leakage guard.
 */
export class ExampleFilter {
  readonly labels: Set<string>;
  readonly minChars: number;
  readonly maxChars: number;
  private readonly accepted: DedupIndex;
  private readonly avoid: DedupIndex;

  constructor(opts: FilterOptions, seeds: string[], avoidTexts: string[]) {
    this.labels = new Set(opts.labels);
    this.minChars = opts.minChars ?? 3;
    this.maxChars = opts.maxChars ?? 5000;
    this.accepted = new DedupIndex(opts.nearDuplicateThreshold ?? 0.8);
    this.avoid = new DedupIndex(opts.nearDuplicateThreshold ?? 0.8);
    for (const s of seeds) this.accepted.add(s);
    for (const t of avoidTexts) this.avoid.add(t);
  }

  /** Remembers an example accepted earlier (a resumed job). */
  remember(text: string): void { this.accepted.add(text); }

  /** Whether `text` copies (or nearly copies) a validation or test text. */
  isLeak(text: string): boolean { return this.avoid.match(text.trim()) !== undefined; }

  /**
   * Checks one generated item; on success it is remembered, so the next identical one is a
   * duplicate. `checkDuplicates: false` for annotation, where the text is the user's own: only the
   * label and the leakage guard apply.
   */
  check(text: string, label: string, checkDuplicates = true): RejectReason | undefined {
    if (!this.labels.has(label)) return 'off-label';
    const trimmed = text.trim();
    // Length limits judge what the teacher wrote; the user's own texts passed data intake already.
    if (checkDuplicates) {
      if (trimmed.length < this.minChars || normalizeText(trimmed).length === 0) return 'too-short';
      if (trimmed.length > this.maxChars) return 'too-long';
    }
    if (this.avoid.match(trimmed)) return 'leak';
    if (checkDuplicates) {
      if (this.accepted.match(trimmed)) return 'duplicate';
      this.accepted.add(trimmed);
    }
    return undefined;
  }
}

/** Length limits that hold for short sentences and long reviews alike: from the seeds, with slack. */
export function lengthLimits(seeds: string[]): { minChars: number; maxChars: number } {
  const longest = seeds.reduce((m, s) => Math.max(m, s.length), 0);
  return { minChars: 3, maxChars: Math.max(1000, longest * 4) };
}
