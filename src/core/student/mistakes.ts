/**
 * A student's mistakes on labeled texts, most confident first: the loop extrapolates from them and
 * the Evaluate step lists them (a confident mistake is often a wrong label in the user's data).
 */
export interface Mistake {
  id: string;
  text: string;
  label: string;
  predicted: string;
  /** The student's score for its (wrong) prediction. */
  confidence: number;
}

/** A mistake with the student's score for every label (in the model's label order), as Evaluate lists it. */
export type ScoredMistake = Mistake & { scores?: number[] };

export function mistakesOf<E extends { id: string; text: string; label?: string | null }>(
  xs: readonly E[], scores: ArrayLike<number>[], labels: readonly string[], options: { withScores?: boolean } = {},
): ScoredMistake[] {
  const out: ScoredMistake[] = [];
  xs.forEach((e, i) => {
    if (e.label == null) return;
    let best = 0;
    for (let c = 1; c < labels.length; c++) if (scores[i][c] > scores[i][best]) best = c;
    if (labels[best] === e.label) return;
    out.push({
      id: e.id, text: e.text, label: e.label, predicted: labels[best], confidence: scores[i][best],
      ...(options.withScores ? { scores: Array.from(scores[i]) } : {}),
    });
  });
  // Ties broken by id so that a resumed run extrapolates from the same errors in the same order.
  return out.sort((a, b) => b.confidence - a.confidence || (a.id < b.id ? -1 : 1));
}
