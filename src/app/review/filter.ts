/** Which examples the Review table shows: filters by source, label, round and split, plus a text search. */
import type { Example, Source, Split } from '../../core/dataset/example.js';

/** Label filter value that means "no label yet". */
export const UNLABELED = '\u0000unlabeled';

/**
 * Where an example came from, as Review names it: the provenance's source, except that the user's
 * own texts are told apart by whether they have a label (an unlabeled text was never a seed) and
 * by who labeled them (a text of the user's file the teacher labeled, by annotation or by writing
 * the same text, is the user's text labeled by the teacher, not a text the teacher wrote).
 */
export type ReviewSource = Source | 'unlabeled';

export function reviewSource(e: Example): ReviewSource {
  const s = e.provenance.source;
  if ((s === 'seed' || s === 'human') && e.label === null) return 'unlabeled';
  if ((s === 'generated' || s === 'extrapolated') && e.provenance.file !== undefined) return 'annotated';
  return s;
}

export interface ReviewFilter {
  source: ReviewSource | 'all';
  /** A label, UNLABELED, or 'all'. */
  label: string;
  round: number | 'all';
  split: Split | 'all';
  /** Case-insensitive; every word must occur in the text or the label. */
  query: string;
}

export const NO_FILTER: ReviewFilter = { source: 'all', label: 'all', round: 'all', split: 'all', query: '' };

export function filterExamples(examples: readonly Example[], f: ReviewFilter): Example[] {
  const words = f.query.toLowerCase().split(/\s+/).filter(Boolean);
  return examples.filter((e) => {
    if (f.source !== 'all' && reviewSource(e) !== f.source) return false;
    if (f.split !== 'all' && e.split !== f.split) return false;
    if (f.round !== 'all' && e.provenance.round !== f.round) return false;
    if (f.label === UNLABELED ? e.label !== null : f.label !== 'all' && e.label !== f.label) return false;
    if (words.length) {
      const hay = `${e.text}\n${e.label ?? ''}`.toLowerCase();
      for (const w of words) if (!hay.includes(w)) return false;
    }
    return true;
  });
}

/** The values present, for the filter menus (so a menu never offers an empty choice). */
export function facets(examples: readonly Example[]): { sources: ReviewSource[]; rounds: number[]; splits: Split[] } {
  const sources = new Set<ReviewSource>();
  const rounds = new Set<number>();
  const splits = new Set<Split>();
  for (const e of examples) {
    sources.add(reviewSource(e));
    rounds.add(e.provenance.round);
    splits.add(e.split);
  }
  return { sources: [...sources].sort(), rounds: [...rounds].sort((a, b) => a - b), splits: [...splits].sort() };
}
