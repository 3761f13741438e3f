/**
 * `predict(student, texts)`: labels and class scores for raw texts, through the same input path
 * training used (student.ts `featurize`) and on whatever backend is set (backend.ts: never while
 * another job switches it). The bundle's inference file does the same for an exported student.
 */
import type { LongOpOptions } from '../progress.js';
import { argmax } from './metrics.js';
import { studentScores, type Student, type StudentFeatures } from './student.js';

export interface Prediction {
  label: string;
  /** One score per spec.labels entry, summing to 1. */
  scores: number[];
}

/** `features`: the encoder a head student reads (a word student needs none: its vocabulary is in its spec; a fine-tuned transformer carries its tokenizer). */
export async function predict(student: Student, texts: string[], features?: StudentFeatures, opts: LongOpOptions = {}): Promise<Prediction[]> {
  const scores = await studentScores(student, texts, features, opts);
  return scores.map((s) => ({ label: student.spec.labels[argmax(s).index], scores: Array.from(s) }));
}
