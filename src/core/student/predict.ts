/**
 * `predict(student, texts)`: labels and class scores for raw texts. The bundle's inference file
 * mirrors this: tokenize → ids through spec.preprocessing.vocab (pad 0, unknown 1, cut at
 * maxTokens) → model → argmax over spec.labels.
 */
import type * as tf from '@tensorflow/tfjs';
import type { LongOpOptions } from '../progress.js';
import { argmax } from './metrics.js';
import type { StudentSpec } from './spec.js';
import { featurize, type StudentFeatures } from './student.js';
import { predictScores } from './train.js';

export interface Prediction {
  label: string;
  /** One score per spec.labels entry, summing to 1. */
  scores: number[];
}

export async function predict(student: { model: tf.LayersModel; spec: StudentSpec }, texts: string[], features: StudentFeatures, opts: LongOpOptions = {}): Promise<Prediction[]> {
  const x = await featurize(texts, student.spec, features, opts);
  const scores = await predictScores(student.model, x);
  return scores.map((s) => ({ label: student.spec.labels[argmax(s).index], scores: Array.from(s) }));
}
