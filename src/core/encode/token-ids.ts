/**
 * Text → token ids, the one function: the word student's inputs (student/vocab.ts), the app's
 * bundle predictor (bundle/predictor.ts) and the exported bundle's own inference file (generated
 * from this source by scripts/build-bundle-runtime.ts) all call `tokenIds`, so a text becomes the
 * same ids wherever the model runs.
 */
import { lookupTokens } from './word-vectors.js';

/** How tokens become ids: what a token-ids bundle's inference.json says, beside its vocab file. */
export interface TokenIdRule {
  /** Ids per text: longer texts are cut, shorter ones padded. */
  maxLen: number;
  padId: number;
  /** The id of a token the vocabulary lacks. */
  oovId: number;
  padding: 'pre' | 'post';
  truncating: 'pre' | 'post';
  /**
   * `exact`: a token's id is its vocabulary row, else oovId (the word student). `split-hyphens`:
   * a hyphenated word the vocabulary lacks is looked up by its parts (`lookupTokens`).
   */
  lookup: 'exact' | 'split-hyphens';
}

/** The word student's rule: exact lookup, unknown = 1, cut after `maxLen` tokens, padded with 0 after the text. */
export function wordStudentRule(maxLen: number): TokenIdRule {
  return { maxLen, padId: 0, oovId: 1, padding: 'post', truncating: 'post', lookup: 'exact' };
}

/** Writes the ids of one text's `tokens` into `out[offset .. offset + rule.maxLen)`. */
export function tokenIds(tokens: string[], vocab: { index: Map<string, number> }, rule: TokenIdRule, out: Int32Array, offset: number): void {
  let ids = rule.lookup === 'exact'
    ? tokens.map((t) => vocab.index.get(t) ?? rule.oovId)
    : lookupTokens(vocab, tokens).map((i) => (i < 0 ? rule.oovId : i));
  if (ids.length > rule.maxLen) ids = rule.truncating === 'pre' ? ids.slice(ids.length - rule.maxLen) : ids.slice(0, rule.maxLen);
  out.fill(rule.padId, offset, offset + rule.maxLen);
  const start = rule.padding === 'pre' ? rule.maxLen - ids.length : 0;
  for (let j = 0; j < ids.length; j++) out[offset + start + j] = ids[j];
}
