/**
 * A model's output row as the prediction every front gives: the best label and every label's
 * score. The app's predictor calls it, and the bundle's inference file carries it as generated
 * code (scripts/build-bundle-runtime.ts), so both read scores the same way.
 */
export function labeledScores(labels: string[], row: number[]): { label: string; scores: Record<string, number> } {
  let best = 0;
  row.forEach((p, i) => { if (p > row[best]) best = i; });
  // fromEntries: a label named __proto__ or constructor is a key like any other.
  return { label: labels[best], scores: Object.fromEntries(labels.map((l, i) => [l, row[i]])) };
}
