/**
 * Training a student through `model.fitDataset`: batches are made on demand from a row-major
 * matrix (never one giant tensor), classes are weighted by inverse frequency, every epoch is
 * scored on validation macro-F1, training stops after `patience` epochs without improvement and
 * the best epoch's weights are restored.
 */
import * as tf from '@tensorflow/tfjs';
import { AbortError } from '../errors.js';
import type { LongOpOptions } from '../progress.js';
import { evaluate, type Metrics } from './metrics.js';
import { mulberry32, shuffled } from './random.js';
import type { StudentHyper } from './spec.js';

/** `rows` examples of `width` features each (token ids or vector components), row-major. */
export interface Matrix {
  data: Int32Array | Float32Array;
  rows: number;
  width: number;
}

export interface LabeledMatrix {
  x: Matrix;
  /** Label index per row. */
  y: Int32Array;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  valAccuracy: number;
  valMacroF1: number;
  examplesPerSecond: number;
  seconds: number;
}

export interface FitResult {
  history: EpochReport[];
  /** 1-based epoch whose weights the model holds now. */
  bestEpoch: number;
  val: Metrics;
}

export const DEFAULT_HYPER: StudentHyper = { hidden: [], dropout: 0.5, learningRate: 2e-3, batchSize: 32, epochs: 30, patience: 4, seed: 42 };

function rowsTensor(x: Matrix, idx: number[]): tf.Tensor2D {
  const isInt = x.data instanceof Int32Array;
  const out = isInt ? new Int32Array(idx.length * x.width) : new Float32Array(idx.length * x.width);
  idx.forEach((r, i) => out.set(x.data.subarray(r * x.width, (r + 1) * x.width), i * x.width));
  return tf.tensor2d(out, [idx.length, x.width], isInt ? 'int32' : 'float32');
}

/** Class scores for every row, predicted in batches; returns plain arrays (no live tensors). */
export async function predictScores(model: tf.LayersModel, x: Matrix, batchSize = 256): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let start = 0; start < x.rows; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, x.rows - start) }, (_, i) => start + i);
    const scores = tf.tidy(() => model.predict(rowsTensor(x, idx)) as tf.Tensor2D);
    const flat = await scores.data();
    const k = scores.shape[1];
    scores.dispose();
    for (let i = 0; i < idx.length; i++) out.push(Float32Array.from(flat.subarray(i * k, (i + 1) * k)));
  }
  return out;
}

/** Inverse-frequency weights (n / (k · count)), so a 9:1 dataset does not teach "always the 9". */
export function classWeights(y: Int32Array, k: number): Record<number, number> {
  const counts = new Array<number>(k).fill(0);
  for (const c of y) counts[c]++;
  const w: Record<number, number> = {};
  counts.forEach((c, i) => { w[i] = c ? y.length / (k * c) : 0; });
  return w;
}

export async function fitStudent(
  model: tf.LayersModel,
  train: LabeledMatrix,
  val: LabeledMatrix,
  labels: string[],
  hyper: StudentHyper,
  opts: LongOpOptions & { onEpoch?: (r: EpochReport) => void } = {},
): Promise<FitResult> {
  const k = labels.length;
  model.compile({ optimizer: tf.train.adam(hyper.learningRate), loss: 'categoricalCrossentropy' });
  const rand = mulberry32(hyper.seed);
  const { batchSize } = hyper;
  const dataset = tf.data.generator(function* () {
    const order = shuffled(train.x.rows, rand);
    for (let s = 0; s < order.length; s += batchSize) {
      const idx = order.slice(s, s + batchSize);
      // fitDataset disposes xs and ys after the step; the int labels are freed here by tidy.
      yield { xs: rowsTensor(train.x, idx), ys: tf.tidy(() => tf.oneHot(tf.tensor1d(idx.map((i) => train.y[i]), 'int32'), k)) };
    }
  });

  const history: EpochReport[] = [];
  let best: { f1: number; epoch: number; weights: tf.Tensor[]; val: Metrics } | undefined;
  let epochStart = performance.now();
  let aborted = false;
  const yTrueVal = Array.from(val.y);

  await model.fitDataset(dataset, {
    epochs: hyper.epochs,
    classWeight: classWeights(train.y, k),
    verbose: 0,
    callbacks: {
      onEpochBegin: async () => { epochStart = performance.now(); },
      onBatchEnd: async () => {
        if (opts.signal?.aborted) { aborted = true; model.stopTraining = true; }
      },
      onEpochEnd: async (epoch, logs) => {
        const seconds = (performance.now() - epochStart) / 1000;
        const metrics = evaluate(yTrueVal, await predictScores(model, val.x), labels);
        const report: EpochReport = {
          epoch: epoch + 1, loss: logs?.loss ?? NaN, valAccuracy: metrics.accuracy, valMacroF1: metrics.macroF1,
          examplesPerSecond: train.x.rows / seconds, seconds,
        };
        history.push(report);
        if (!best || metrics.macroF1 > best.f1) {
          best?.weights.forEach((w) => w.dispose());
          best = { f1: metrics.macroF1, epoch: epoch + 1, weights: model.getWeights().map((w) => w.clone()), val: metrics };
        } else if (epoch + 1 - best.epoch >= hyper.patience) {
          model.stopTraining = true;
        }
        opts.onEpoch?.(report);
        opts.onProgress?.({ phase: 'train', done: epoch + 1, total: hyper.epochs, detail: { ...report } });
      },
    },
  });
  // An optimizer passed as an object is not owned by the model, so model.dispose() would keep
  // Adam's moment tensors alive.
  model.optimizer.dispose();
  if (aborted) {
    best?.weights.forEach((w) => w.dispose());
    throw new AbortError();
  }
  if (!best) throw new Error('training ran no epoch');
  model.setWeights(best.weights);
  best.weights.forEach((w) => w.dispose());
  return { history, bestEpoch: best.epoch, val: best.val };
}
