/**
 * Training a student with an explicit step: batches are made on demand from a row-major matrix
 * (never one giant tensor); the loss is weighted per example (its own weight, e.g. a seed's, times
 * its class's inverse frequency); gradients flow through the model's own layers
 * (forwardFromFeatures) to the dense weights, updated by tfjs's Adam, and, for the word model, to
 * the rows of the embedding the batch uses, updated by a sparse lazy Adam (sparse-embedding.ts).
 * Every epoch is scored on validation macro-F1 with the stock model; early-stopping.ts decides
 * when to stop and which epoch to restore (the latest within one standard error of the best).
 */
import * as tf from '@tensorflow/tfjs';
import { AbortError } from '../errors.js';
import type { EpochDetail, LongOpOptions } from '../progress.js';
import type { RawTensor } from '../transformer/safetensors.js';
import { EarlyStopping, type FitStopReason, type StoppingState, type WeightsHolder } from './early-stopping.js';
import { argmax, evaluate, type Metrics } from './metrics.js';
import { mulberry32, shuffled } from './random.js';
import { forwardFromFeatures } from './models.js';
import { SparseEmbedding } from './sparse-embedding.js';
import type { StudentHyper } from './spec.js';

/** A kind's input for a set of texts: `rows` of them, in whatever form its model reads. */
export interface Rows {
  rows: number;
}

/** `rows` examples of `width` features each (token ids or vector components), row-major. */
export interface Matrix extends Rows {
  data: Int32Array | Float32Array;
  width: number;
}

export interface Labeled<X extends Rows = Matrix> {
  x: X;
  /** Label index per row. */
  y: Int32Array;
  /** Loss weight per row (default 1): how much an example counts against others (a seed vs a teacher's). */
  w?: Float32Array;
}

export type LabeledMatrix = Labeled<Matrix>;

/** What fitStudent needs of a model: class scores for input rows (no dropout), and weights early stopping can copy. */
export interface FitModel<X extends Rows> extends WeightsHolder {
  scores(x: X): Promise<Float32Array[]>;
}

/** A tfjs layers model (the word and head students) as fitStudent reads it. */
export function layersFitModel(model: tf.LayersModel): FitModel<Matrix> {
  return { scores: (x) => predictScores(model, x), getWeights: () => model.getWeights(), setWeights: (w) => model.setWeights(w) };
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

/**
 * Passes over the training set in one epoch. A few seed examples make one batch per pass: with
 * one optimizer step per epoch, early stopping would end training after a handful of steps (8 per
 * class trained to chance on SST-2, measured). So an epoch is at least MIN_STEPS_PER_EPOCH steps,
 * in whole passes.
 */
export function epochPasses(rows: number, batchSize: number): number {
  return Math.ceil(MIN_STEPS_PER_EPOCH / Math.ceil(rows / batchSize));
}

const named = (grads: tf.NamedTensorMap) => Object.entries(grads).map(([name, tensor]) => ({ name, tensor }));

/** An optimiser's state beside the weights, for a checkpoint: tensors (moments) and counters. */
export interface TrainerState {
  tensors: Map<string, RawTensor>;
  counters: Record<string, number>;
}

/** One optimisation run over one training set: what fitStudent drives, whatever the kind of model. */
export interface StepTrainer {
  /** One batch (row indices of the training set); resolves to its loss. */
  step(idx: number[]): Promise<number>;
  /** Makes the model hold the current weights before it is read (validation, saving). */
  sync(): void;
  dispose(): void;
  /**
   * Groups an epoch's shuffled rows into batches (default: consecutive slices of batchSize);
   * randomness only from `rand`, so a resumed run can replay the epochs it skips.
   */
  batches?(order: number[], rand: () => number): number[][];
  /** The optimiser's state for a checkpoint, and putting it back. */
  state?(): Promise<TrainerState>;
  load?(state: TrainerState): void;
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
  /** Where to keep the state after each epoch, so a killed run resumes at the next epoch. */
  checkpoint?: FitCheckpoint;
  /** Called after every optimizer step (training progress within an epoch). */
  onStep?: (s: StepReport) => void;
  /** Called when training continues after epoch `epoch` from the checkpoint, with the epochs it had. */
  onResume?: (epoch: number, history: EpochReport[]) => void;
}

/** Progress within training, after each step: what a progress bar with an ETA needs. */
export interface StepReport {
  /**
   * 'contrastive': a step of the SetFit stage before the classifier trains (finetune/contrastive.ts):
   * its steps, loss (cosine, not cross-entropy) and ETA are the stage's own; epoch is 0.
   */
  stage?: 'contrastive';
  epoch: number;
  /** Steps done in this epoch, of `stepsInEpoch`. */
  step: number;
  stepsInEpoch: number;
  /** Steps done in this run, of at most `maxSteps` (every epoch run to the end). */
  steps: number;
  maxSteps: number;
  loss: number;
  /** Over the steps of this session so far (a resumed run counts from where it resumed). */
  stepsPerSecond: number;
  examplesPerSecond: number;
  /** At this speed, seconds until the last planned epoch ends (early stopping may end sooner). */
  etaSeconds: number;
}

/** What fitStudent saves after each epoch (FitOptions.checkpoint). */
export interface FitSnapshot {
  /** Epochs finished. */
  epoch: number;
  steps: number;
  history: EpochReport[];
  /** Training ended after this epoch (stopped early or the last epoch): only the best weights are left to restore. */
  finished?: FitStopReason;
  stopping: StoppingState;
  /** The model's weights after `epoch`, in getWeights order. */
  weights: RawTensor[];
  /** The kept epoch's weights (early-stopping.ts), when that is not `epoch`; named as stored before the rule. */
  best?: RawTensor[];
  trainer?: TrainerState;
}

export interface FitCheckpoint {
  load(): Promise<FitSnapshot | undefined>;
  save(s: FitSnapshot): Promise<void>;
}

async function raw(ts: tf.Tensor[]): Promise<RawTensor[]> {
  return Promise.all(ts.map(async (t) => ({ shape: t.shape, data: (await t.data()) as Float32Array })));
}

/** Sets `model`'s weights from saved arrays (each checked against the live weight's shape). */
function setRaw(model: WeightsHolder, saved: RawTensor[]): void {
  const live = model.getWeights();
  if (live.length !== saved.length || live.some((w, i) => w.shape.join() !== saved[i]!.shape.join())) {
    throw new Error('checkpoint: its weights do not fit this model');
  }
  const ts = saved.map((r) => tf.tensor(r.data, r.shape));
  model.setWeights(ts);
  tf.dispose(ts);
}

function defaultBatches(order: number[], batchSize: number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < order.length; s += batchSize) out.push(order.slice(s, s + batchSize));
  return out;
}

/**
 * Trains `model` epoch by epoch until early stopping (or `hyper.epochs`), then leaves it holding
 * the kept epoch's weights (early-stopping.ts). With a checkpoint, the state after each epoch is saved, and a run that
 * finds one resumes after its epoch (the epochs it skips are replayed for their random draws only,
 * so the resumed run takes the same batches as an uninterrupted one).
 */
export async function fitStudent<X extends Rows>(model: tf.LayersModel | FitModel<X>, train: Labeled<X>, val: Labeled<X>, labels: string[], hyper: StudentHyper, opts: FitOptions = {}): Promise<FitResult> {
  const k = labels.length;
  const rand = mulberry32(hyper.seed);
  const { batchSize } = hyper;
  const layers = model instanceof tf.LayersModel;
  const fit = (layers ? layersFitModel(model) : model) as FitModel<X>;
  // Without a trainer of its own, a layers model's input rows are a Matrix (the word and head kinds').
  const trainer: StepTrainer | undefined = opts.trainer ?? (layers ? new Trainer(model, train as Labeled<Rows> as LabeledMatrix, k, hyper) : undefined);
  if (!trainer) throw new Error('fitStudent: a model of its own kind needs its trainer');
  const yTrueVal = Array.from(val.y);
  const stopping = new EarlyStopping(fit, { patience: hyper.patience, classes: k, truth: yTrueVal, rule: hyper.epochRule });
  const history: EpochReport[] = [];
  let steps = 0;
  let stopReason: FitStopReason = 'max-epochs';
  const passes = epochPasses(train.x.rows, batchSize);
  const epochBatches = () => {
    const order = Array.from({ length: passes }, () => shuffled(train.x.rows, rand)).flat();
    return trainer.batches ? trainer.batches(order, rand) : defaultBatches(order, batchSize);
  };
  let first = 1;
  let finished: FitStopReason | undefined;
  try {
    const saved = await opts.checkpoint?.load();
    if (saved) {
      setRaw(fit, saved.weights);
      if (saved.trainer) trainer.load?.(saved.trainer);
      stopping.load(saved.stopping, saved.best);
      history.push(...saved.history);
      steps = saved.steps;
      first = saved.epoch + 1;
      finished = saved.finished;
      for (let e = 1; e <= saved.epoch; e++) epochBatches();
      opts.onResume?.(saved.epoch, [...saved.history]);
    }
    const sessionStart = performance.now();
    let sessionSteps = 0;
    let sessionExamples = 0;
    for (let epoch = first; epoch <= hyper.epochs && !finished; epoch++) {
      const epochStart = performance.now();
      const batches = epochBatches();
      let lossSum = 0;
      let batchesDone = 0;
      let examples = 0;
      for (const batch of batches) {
        if (opts.signal?.aborted) throw new AbortError();
        const loss = await trainer.step(batch);
        lossSum += loss;
        batchesDone++;
        steps++;
        examples += batch.length;
        sessionSteps++;
        sessionExamples += batch.length;
        if (opts.onStep) {
          const elapsed = (performance.now() - sessionStart) / 1000;
          const left = batches.length - batchesDone + (hyper.epochs - epoch) * batches.length;
          const stepsPerSecond = sessionSteps / Math.max(1e-9, elapsed);
          opts.onStep({
            epoch, step: batchesDone, stepsInEpoch: batches.length, steps, maxSteps: steps + left, loss,
            stepsPerSecond, examplesPerSecond: sessionExamples / Math.max(1e-9, elapsed), etaSeconds: left / stepsPerSecond,
          });
        }
        // Let abort signals and progress messages through on long epochs.
        if (batchesDone % 64 === 0 || opts.onStep) await new Promise((r) => setTimeout(r, 0));
      }
      const seconds = (performance.now() - epochStart) / 1000;
      trainer.sync();
      const valScores = await fit.scores(val.x);
      const metrics = evaluate(yTrueVal, valScores, labels);
      const report: EpochReport = {
        epoch, loss: lossSum / Math.max(1, batchesDone), valAccuracy: metrics.accuracy, valMacroF1: metrics.macroF1,
        examplesPerSecond: examples / seconds, seconds,
      };
      history.push(report);
      const stop = stopping.epochEnd({ epoch, loss: report.loss, steps, val: metrics, predicted: valScores.map((row) => argmax(row).index) });
      if (stop) finished = 'patience';
      else if (epoch === hyper.epochs) finished = 'max-epochs';
      if (opts.checkpoint) {
        const best = stopping.keptWeights();
        await opts.checkpoint.save({
          epoch, steps, history: [...history], finished, stopping: stopping.state(),
          weights: await raw(fit.getWeights()), best: best ? await raw(best) : undefined, trainer: await trainer.state?.(),
        });
      }
      opts.onEpoch?.(report);
      opts.onProgress?.({ phase: 'train', done: epoch, total: hyper.epochs, detail: { ...report } });
    }
    if (finished) stopReason = finished;
  } catch (e) {
    stopping.dispose();
    throw e;
  } finally {
    trainer.dispose();
  }
  const { bestEpoch, val: bestVal } = stopping.restore();
  return { history, bestEpoch, val: bestVal, stopReason };
}
