/**
 * Classification metrics shared by the UI (Train/Evaluate steps) and the CLI. Pure functions over
 * label indices, so they run anywhere and are easy to check by hand.
 */

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** How many true examples of this class there were. */
  support: number;
}

/**
 * What a score set of texts was in a run: `validation` chose the kept epoch (the Train step);
 * `selection` chose the epoch and the round (the loop); `extrapolation` drove S3's examples, so its
 * score is inflated and never a measure; `test` decided nothing.
 */
export type SetRole = 'validation' | 'selection' | 'extrapolation' | 'test';

/** The texts a score was computed on: their role and a key of the texts themselves (hash.ts textSetKey), so only scores on the same texts are compared. */
export interface ScoredSet {
  role: SetRole;
  key: string;
}

/** 95% intervals (intervals.ts): Wilson's for accuracy, a percentile bootstrap of the examples for macro-F1. */
export interface ScoreIntervals {
  level: 0.95;
  accuracy: [number, number];
  /**
   * null when the bootstrap cannot say (every text right, or every one wrong: each resample scores
   * the same); absent in records from before it was computed.
   */
  macroF1?: [number, number] | null;
}

export interface Metrics {
  /** The classes in the order of `confusion`'s rows and columns and of `perClass`. */
  labels: string[];
  accuracy: number;
  macroF1: number;
  perClass: ClassMetrics[];
  /** confusion[trueIndex][predictedIndex] = count. */
  confusion: number[][];
  /** Expected calibration error over 10 equal-width confidence bins; null without scores. */
  ece: number | null;
  n: number;
  /** Absent on records written before intervals were kept. */
  intervals?: ScoreIntervals;
  set?: ScoredSet;
}

/**
 * Metrics as records keep them (a loop round, a stored model, a bundle): records written before
 * `labels` was kept lack it (their order is `perClass`'s), and a loop round has no calibration error.
 */
export type StoredMetrics = Omit<Metrics, 'labels' | 'ece'> & Partial<Pick<Metrics, 'labels' | 'ece'>>;

/** The label order a metrics record was computed in. */
export function metricsLabels(m: Pick<StoredMetrics, 'labels' | 'perClass'>): string[] {
  return m.labels ?? m.perClass.map((c) => c.label);
}

function assertSameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) throw new Error(`metrics: ${a.length} true labels but ${b.length} predictions`);
}

export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number[][] {
  assertSameLength(yTrue, yPred);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]][yPred[i]]++;
  return m;
}

export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  assertSameLength(yTrue, yPred);
  if (yTrue.length === 0) return 0;
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

/**
 * Precision, recall and F1 per class. A class that is never predicted has precision 0, one never
 * present has recall 0 (scikit-learn's zero_division=0), so macro-F1 punishes ignored classes.
 */
export function perClassMetrics(confusion: number[][], labels: string[]): ClassMetrics[] {
  const k = confusion.length;
  return Array.from({ length: k }, (_, c) => {
    const tp = confusion[c][c];
    let predicted = 0;
    let actual = 0;
    for (let j = 0; j < k; j++) {
      predicted += confusion[j][c];
      actual += confusion[c][j];
    }
    const precision = predicted ? tp / predicted : 0;
    const recall = actual ? tp / actual : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label: labels[c] ?? String(c), precision, recall, f1, support: actual };
  });
}

/** Mean F1 over the classes that occur in the true labels or the predictions. */
export function macroF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number {
  const cm = confusionMatrix(yTrue, yPred, numClasses);
  return macroF1FromClasses(perClassMetrics(cm, []), cm);
}

/** Macro-F1 of a confusion matrix (confusion[true][predicted]), by the same rule as `evaluate`. */
export function macroF1OfConfusion(confusion: number[][]): number {
  return macroF1FromClasses(perClassMetrics(confusion, []), confusion);
}

function macroF1FromClasses(classes: ClassMetrics[], confusion: number[][]): number {
  const present = classes.filter((c, i) => c.support > 0 || confusion.some((row) => row[i] > 0));
  if (!present.length) return 0;
  return present.reduce((s, c) => s + c.f1, 0) / present.length;
}

/**
 * Expected calibration error: the gap between confidence (the top score) and accuracy, averaged
 * over equal-width confidence bins weighted by how many predictions fall in each.
 */
export function expectedCalibrationError(yTrue: ArrayLike<number>, scores: ArrayLike<number>[], bins = 10): number {
  assertSameLength(yTrue, scores);
  const n = yTrue.length;
  if (!n) return 0;
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const hit = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    const { index, value } = argmax(scores[i]);
    // A confidence of exactly 1 belongs in the last bin, not past it.
    const b = Math.min(bins - 1, Math.floor(value * bins));
    count[b]++;
    conf[b] += value;
    if (index === yTrue[i]) hit[b]++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b]) ece += (count[b] / n) * Math.abs(hit[b] / count[b] - conf[b] / count[b]);
  return ece;
}

export function argmax(xs: ArrayLike<number>): { index: number; value: number } {
  let index = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[index]) index = i;
  return { index, value: xs[index] };
}

/** Every metric at once, from true label indices and either predicted indices or score rows. */
export function evaluate(yTrue: ArrayLike<number>, predictions: ArrayLike<number> | ArrayLike<number>[], labels: string[]): Metrics {
  const scores = isScoreRows(predictions) ? predictions : null;
  const yPred = scores ? scores.map((s) => argmax(s).index) : (predictions as ArrayLike<number>);
  const confusion = confusionMatrix(yTrue, yPred, labels.length);
  const perClass = perClassMetrics(confusion, labels);
  return {
    labels: [...labels],
    accuracy: accuracy(yTrue, yPred),
    macroF1: macroF1FromClasses(perClass, confusion),
    perClass,
    confusion,
    ece: scores ? expectedCalibrationError(yTrue, scores) : null,
    n: yTrue.length,
  };
}

function isScoreRows(p: ArrayLike<number> | ArrayLike<number>[]): p is ArrayLike<number>[] {
  return p.length > 0 && typeof (p as ArrayLike<unknown>)[0] === 'object';
}
