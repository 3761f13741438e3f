import { describe, expect, it } from 'vitest';
import { accuracy, confusionMatrix, evaluate, expectedCalibrationError, macroF1, perClassMetrics } from '../../src/core/student/metrics.js';

// Hand-computed case: 3 classes, 8 examples.
// true: 0 0 0 1 1 2 2 2   pred: 0 0 1 1 2 2 2 0
const yTrue = [0, 0, 0, 1, 1, 2, 2, 2];
const yPred = [0, 0, 1, 1, 2, 2, 2, 0];

describe('metrics', () => {
  it('counts the confusion matrix by [true][predicted]', () => {
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [1, 0, 2],
    ]);
  });

  it('computes accuracy', () => {
    expect(accuracy(yTrue, yPred)).toBeCloseTo(5 / 8);
  });

  it('computes per-class precision, recall, F1 and support', () => {
    const pc = perClassMetrics(confusionMatrix(yTrue, yPred, 3), ['a', 'b', 'c']);
    // class a: tp 2, predicted 3, actual 3 → p=r=f1=2/3
    expect(pc[0]).toMatchObject({ label: 'a', support: 3 });
    expect(pc[0].precision).toBeCloseTo(2 / 3);
    expect(pc[0].recall).toBeCloseTo(2 / 3);
    // class b: tp 1, predicted 2, actual 2 → 0.5
    expect(pc[1].f1).toBeCloseTo(0.5);
    // class c: tp 2, predicted 3, actual 3 → 2/3
    expect(pc[2].f1).toBeCloseTo(2 / 3);
  });

  it('macro-F1 averages classes equally, and an ignored class counts as 0', () => {
    expect(macroF1(yTrue, yPred, 3)).toBeCloseTo((2 / 3 + 0.5 + 2 / 3) / 3);
    // Always predicting the majority class: F1(0) = 2*(0.75*1)/(1.75) = 6/7, F1(1) = 0.
    expect(macroF1([0, 0, 0, 1], [0, 0, 0, 0], 2)).toBeCloseTo(6 / 7 / 2);
  });

  it('expected calibration error weights the bins by their size', () => {
    // Two predictions at confidence 0.9 (one right), two at 0.6 (both right).
    // bin 9: |0.5 - 0.9| * 2/4 = 0.2; bin 6: |1 - 0.6| * 2/4 = 0.2 → 0.4
    const scores = [[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [0.6, 0.4]];
    expect(expectedCalibrationError([0, 1, 1, 0], scores)).toBeCloseTo(0.4);
    // A perfectly confident and right model is perfectly calibrated, confidence 1 included.
    expect(expectedCalibrationError([0, 1], [[1, 0], [0, 1]])).toBeCloseTo(0);
  });

  it('evaluate takes score rows and fills every metric', () => {
    const m = evaluate([0, 1, 1], [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]], ['neg', 'pos']);
    expect(m.accuracy).toBeCloseTo(2 / 3);
    expect(m.confusion).toEqual([[1, 0], [1, 1]]);
    expect(m.ece).not.toBeNull();
    expect(m.perClass.map((c) => c.label)).toEqual(['neg', 'pos']);
    expect(m.n).toBe(3);
  });

  it('rejects mismatched lengths instead of reading past the end', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(/2 true labels but 1 predictions/);
  });
});
