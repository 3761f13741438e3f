/**
 * The simulated teacher's knowledge: a pool of real labeled texts. It finds a text's label by its
 * normalized form, the most similar texts by TF-IDF cosine (an inverted index, so a query costs
 * about the postings of its words), and the words most typical of a label (for "attributes").
 */
import { rng } from '../../dataset/split.js';
import { normalizeText } from '../filters.js';

export interface PoolItem { text: string; label: string }

// The sim's faults and choices are reproducible through the core's one seeded PRNG.
export { rng };

const tokens = (text: string) => normalizeText(text).split(' ').filter((w) => w.length > 1);

export class Pool {
  readonly items: PoolItem[];
  readonly labels: string[];
  private readonly byNorm = new Map<string, number>();
  private readonly idf = new Map<string, number>();
  private readonly postings = new Map<string, { doc: number; w: number }[]>();

  constructor(items: PoolItem[]) {
    if (items.length === 0) throw new Error('The teacher-sim pool is empty.');
    this.items = items;
    this.labels = [...new Set(items.map((i) => i.label))];
    const df = new Map<string, number>();
    const docs = items.map((it, i) => {
      this.byNorm.set(normalizeText(it.text), i);
      const tf = new Map<string, number>();
      for (const t of tokens(it.text)) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
      return tf;
    });
    for (const [t, n] of df) this.idf.set(t, Math.log((items.length + 1) / (n + 1)) + 1);
    docs.forEach((tf, doc) => {
      const v = this.weigh(tf);
      for (const [t, w] of v) {
        let p = this.postings.get(t);
        if (!p) this.postings.set(t, (p = []));
        p.push({ doc, w });
      }
    });
  }

  private weigh(tf: Map<string, number>): Map<string, number> {
    const v = new Map<string, number>();
    let norm = 0;
    for (const [t, n] of tf) {
      const w = (1 + Math.log(n)) * (this.idf.get(t) ?? 0);
      if (w > 0) { v.set(t, w); norm += w * w; }
    }
    norm = Math.sqrt(norm) || 1;
    for (const [t, w] of v) v.set(t, w / norm);
    return v;
  }

  /** The pool's index of a text, matched by normalized form. */
  find(text: string): number | undefined { return this.byNorm.get(normalizeText(text)); }

  /** Pool indexes by cosine similarity to `text`, best first, optionally of one label. */
  similar(text: string, label?: string, limit = 50): number[] {
    const tf = new Map<string, number>();
    for (const t of tokens(text)) tf.set(t, (tf.get(t) ?? 0) + 1);
    const scores = new Map<number, number>();
    for (const [t, w] of this.weigh(tf)) {
      for (const p of this.postings.get(t) ?? []) {
        if (label !== undefined && this.items[p.doc].label !== label) continue;
        scores.set(p.doc, (scores.get(p.doc) ?? 0) + w * p.w);
      }
    }
    return [...scores].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([d]) => d);
  }

  /** Words far more frequent in `label`'s texts than elsewhere (smoothed log-odds), best first. */
  typicalWords(label: string, count: number): string[] {
    const inL = new Map<string, number>(), out = new Map<string, number>();
    let nIn = 0, nOut = 0;
    for (const it of this.items) {
      for (const t of new Set(tokens(it.text))) {
        if (t.length < 4) continue;
        if (it.label === label) { inL.set(t, (inL.get(t) ?? 0) + 1); nIn++; } else { out.set(t, (out.get(t) ?? 0) + 1); nOut++; }
      }
    }
    const score = (t: string) => Math.log(((inL.get(t) ?? 0) + 1) / (nIn + 1)) - Math.log(((out.get(t) ?? 0) + 1) / (nOut + 1));
    return [...inL.keys()].filter((t) => (inL.get(t) ?? 0) >= 3).sort((a, b) => score(b) - score(a)).slice(0, count);
  }
}
