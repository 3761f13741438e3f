/**
 * Training a student with an explicit step: batches are made on demand from a row-major matrix
 * (never one giant tensor); the loss is weighted per example (its own weight, e.g. a seed's, times
 * its class's inverse frequency); gradients flow through the model's own layers
 * (forwardFromFeatures) to the dense weights, updated by tfjs's Adam, and, for the word model, to
 * the rows of the embedding the batch uses, updated by a sparse lazy Adam (sparse-embedding.ts).
 * Every epoch is scored on validation macro-F1 with the stock model; early-stopping.ts decides
 * when to stop and restores the best epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { AbortError } from '../errors.js';
import type { EpochDetail, LongOpOptions } from '../progress.js';
import { EarlyStopping, type FitStopReason } from './early-stopping.js';
import { evaluate, type Metrics } from './metrics.js';
import { mulberry32, shuffled } from './random.js';
import { forwardFromFeatures } from './models.js';
import { SparseEmbedding } from './sparse-embedding.js';
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
  /** Loss weight per row (default 1): how much an example counts against others (a seed vs a teacher's). */
  w?: Float32Array;
}

/** One epoch's numbers (loss, validation accuracy and macro-F1, speed). */
export type EpochReport = EpochDetail;

export interface FitResult {
  history: EpochReport[];
  /** 1-based epoch whose weights the model holds now. */
  bestEpoch: number;
  val: Metrics;
  stopReason: FitStopReason;
}

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

/**
 * Inverse-frequency class weights by total example weight (n / (k · mass)), so a 9:1 dataset does
 * not teach "always the 9"; with unit example weights, mass is the class count.
 */
export function classWeights(y: Int32Array, k: number, w?: Float32Array): Record<number, number> {
  const mass = new Array<number>(k).fill(0);
  y.forEach((c, i) => { mass[c] += w?.[i] ?? 1; });
  const total = mass.reduce((s, m) => s + m, 0);
  const out: Record<number, number> = {};
  mass.forEach((m, i) => { out[i] = m ? total / (k * m) : 0; });
  return out;
}

/** Each row's loss weight: its own weight times its class's (above). */
export function lossWeights(y: Int32Array, k: number, w?: Float32Array): Float32Array {
  const cw = classWeights(y, k, w);
  return Float32Array.from(y, (c, i) => (w?.[i] ?? 1) * cw[c]);
}

const MIN_STEPS_PER_EPOCH = 20;

const named = (grads: tf.NamedTensorMap) => Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));

/** One optimisation run over one training set: what fitStudent drives, whatever the kind of model. */
export interface StepTrainer {
  /** One batch (row indices of the training set); resolves to its loss. */
  step(idx: number[]): Promise<number>;
  /** Makes the model hold the current weights before it is read (validation, saving). */
  sync(): void;
  dispose(): void;
}

/**
 * The optimisation state of the word and head models: tfjs Adam over the dense layers, plus the
 * sparse embedding for the word model.
 */
export class Trainer implements StepTrainer {
  private readonly optimizer: tf.AdamOptimizer;
  private readonly dense: tf.Variable[];
  private readonly embedding?: SparseEmbedding;
  private readonly weights: Float32Array;
  private readonly nextSeed: () => number;

  constructor(private readonly model: tf.LayersModel, private readonly train: LabeledMatrix, private readonly k: number, hyper: StudentHyper) {
    this.optimizer = tf.train.adam(hyper.learningRate);
    // variableGrads needs the variables themselves: LayerVariable.read() returns its tf.Variable
    // (tfjs-layers variables.js), typed only as the Tensor it is.
    this.dense = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const emb = model.layers.find((l) => l.getClassName() === 'Embedding');
    if (emb) this.embedding = new SparseEmbedding(emb, hyper.embeddingLearningRate ?? 0);
    this.weights = lossWeights(train.y, k, train.w);
    const rand = mulberry32(hyper.seed ^ 0x5eed);
    this.nextSeed = () => Math.floor(rand() * 2 ** 31);
  }

  async step(idx: number[]): Promise<number> {
    const { x, y } = this.train;
    const labels = Int32Array.from(idx, (i) => y[i]);
    const rowWeights = Float32Array.from(idx, (i) => this.weights[i]);
    const lossOf = (probs: tf.Tensor2D) => {
      const p = tf.clipByValue(probs, 1e-7, 1 - 1e-7);
      const ce = tf.neg(tf.sum(tf.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), this.k), tf.log(p)), 1));
      return tf.mean(tf.mul(ce, tf.tensor1d(rowWeights))) as tf.Scalar;
    };
    let loss: tf.Scalar;
    if (!this.embedding) {
      const { value, grads } = tf.tidy(() => tf.variableGrads(() => lossOf(forwardFromFeatures(this.model, rowsTensor(x, idx), true, this.nextSeed)), this.dense));
      this.optimizer.applyGradients(named(grads));
      tf.dispose(grads);
      loss = value;
    } else {
      const T = x.width;
      const ids = new Int32Array(idx.length * T);
      idx.forEach((r, i) => ids.set(x.data.subarray(r * T, (r + 1) * T), i * T));
      const { pooled, argmax } = this.embedding.pool(ids, idx.length, T);
      const pooledT = tf.tensor2d(pooled, [idx.length, pooled.length / idx.length]);
      const fineTune = this.embedding.lr > 0;
      const feats: tf.Tensor2D | tf.Variable = fineTune ? tf.variable(pooledT, true) : pooledT;
      const { value, grads } = tf.tidy(() => tf.variableGrads(() => lossOf(forwardFromFeatures(this.model, feats, true, this.nextSeed, 'pooled')), fineTune ? [...this.dense, feats as tf.Variable] : this.dense));
      if (fineTune) {
        const name = (feats as tf.Variable).name;
        const g = grads[name];
        delete grads[name];
        this.embedding.backward(ids, idx.length, T, argmax, await g.data());
        g.dispose();
      }
      this.optimizer.applyGradients(named(grads));
      tf.dispose([grads, feats, pooledT]);
      loss = value;
    }
    const out = (await loss.data())[0];
    loss.dispose();
    return out;
  }

  sync(): void {
    this.embedding?.writeBack();
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

export interface FitOptions extends LongOpOptions {
  onEpoch?: (r: EpochReport) => void;
  /** The optimisation to drive (default: a Trainer over `train`); a kind with its own optimiser passes its own. */
  trainer?: StepTrainer;
}

/**
 * Trains `model` epoch by epoch until early stopping (or `hyper.epochs`), then leaves it holding
 * the best epoch's weights.
 */
export async function fitStudent(model: tf.LayersModel, train: LabeledMatrix, val: LabeledMatrix, labels: string[], hyper: StudentHyper, opts: FitOptions = {}): Promise<FitResult> {
  const k = labels.length;
  const rand = mulberry32(hyper.seed);
  const { batchSize } = hyper;
  const trainer = opts.trainer ?? new Trainer(model, train, k, hyper);
  const stopping = new EarlyStopping(model, { patience: hyper.patience, classes: k });
  const history: EpochReport[] = [];
  let steps = 0;
  let stopReason: FitStopReason = 'max-epochs';
  const yTrueVal = Array.from(val.y);
  try {
    for (let epoch = 1; epoch <= hyper.epochs; epoch++) {
      const epochStart = performance.now();
      // A few seed examples make one batch per pass: with one optimizer step per epoch, early
      // stopping would end training after a handful of steps (8 per class trained to chance on
      // SST-2, measured). So an epoch is at least MIN_STEPS_PER_EPOCH steps, in whole passes.
      const passes = Math.ceil(MIN_STEPS_PER_EPOCH / Math.ceil(train.x.rows / batchSize));
      const order = Array.from({ length: passes }, () => shuffled(train.x.rows, rand)).flat();
      let lossSum = 0;
      let batches = 0;
      for (let s = 0; s < order.length; s += batchSize) {
        if (opts.signal?.aborted) throw new AbortError();
        lossSum += await trainer.step(order.slice(s, s + batchSize));
        batches++;
        steps++;
        // Let abort signals and progress messages through on long epochs.
        if (batches % 64 === 0) await new Promise((r) => setTimeout(r, 0));
      }
      const seconds = (performance.now() - epochStart) / 1000;
      trainer.sync();
      const metrics = evaluate(yTrueVal, await predictScores(model, val.x), labels);
      const report: EpochReport = {
        epoch, loss: lossSum / Math.max(1, batches), valAccuracy: metrics.accuracy, valMacroF1: metrics.macroF1,
        examplesPerSecond: order.length / seconds, seconds,
      };
      history.push(report);
      const stop = stopping.epochEnd({ epoch, loss: report.loss, steps, val: metrics });
      opts.onEpoch?.(report);
      opts.onProgress?.({ phase: 'train', done: epoch, total: hyper.epochs, detail: { ...report } });
      if (stop) {
        stopReason = 'patience';
        break;
      }
    }
  } catch (e) {
    stopping.dispose();
    throw e;
  } finally {
    trainer.dispose();
  }
  const { bestEpoch, val: bestVal } = stopping.restore();
  return { history, bestEpoch, val: bestVal, stopReason };
}
