/**
 * Early stopping on validation macro-F1, the one implementation: it owns the best epoch's weights
 * and puts them back at the end, as tfjs-layers' EarlyStopping callback does with
 * restoreBestWeights. Every kind of student trains through it (student.ts → train.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { Metrics } from './metrics.js';

/**
 * Epochs are compared by validation macro-F1 averaged over the last SMOOTHING epochs. With a few
 * dozen validation examples (the few-shot case this product is for) one epoch's F1 moves by
 * several points by chance, and the best single epoch is often an early lucky one: on SST-2 with
 * 1,016 training and 64 validation examples, stopping on the raw F1 kept epoch 2 of a run (67.0%
 * test) whose later epochs reached 75%. Averaging costs a large validation set nothing but a
 * little lag.
 */
export const SMOOTHING = 3;

const tfTensor = (r: { shape: number[]; data: Float32Array }): tf.Tensor => tf.tensor(r.data, r.shape);

/**
 * Training may end only once the model has learned something: its training loss is below
 * LEARNED_LOSS_SHARE of chance (ln k, the loss of uniform scores), or it has taken
 * MIN_STEPS_BEFORE_STOP steps. From a thousand examples the word model's loss sits near chance
 * for its first ~150–250 steps, where validation F1 is noise (33–65% on SST-2's 64 validation
 * sentences); a lucky first epoch then outlived the patience and training stopped before learning
 * anything (60.6% and 63.8% test in two of two draws at learning rate 5e-3, where later epochs
 * reach 74%). A few seeds are fitted within a few epochs, so they still stop early.
 */
export const MIN_STEPS_BEFORE_STOP = 400;
export const LEARNED_LOSS_SHARE = 0.8;

/** Why training ended. */
export type FitStopReason = 'patience' | 'max-epochs';

export function smoothedValScore(history: readonly number[], window = SMOOTHING): number {
  const last = history.slice(-window);
  return last.reduce((s, f1) => s + f1, 0) / Math.max(1, last.length);
}

/** Whether training ends after this epoch: `patience` epochs past the best, once the model has learned (above). */
export function shouldStop(s: { epoch: number; bestEpoch: number; patience: number; steps: number; loss: number; classes: number }): boolean {
  const learned = s.steps >= MIN_STEPS_BEFORE_STOP || s.loss < LEARNED_LOSS_SHARE * Math.log(s.classes);
  return learned && s.epoch - s.bestEpoch >= s.patience;
}

/** What early stopping needs of a model: its weights, to copy and to restore (a tf.LayersModel has both). */
export interface WeightsHolder {
  getWeights(): tf.Tensor[];
  setWeights(weights: tf.Tensor[]): void;
}

export interface EpochEnd {
  epoch: number;
  /** Mean training loss of the epoch. */
  loss: number;
  /** Optimizer steps so far, all epochs. */
  steps: number;
  /** The model's validation metrics after the epoch. */
  val: Metrics;
}

/** What a checkpoint keeps of early stopping (the best epoch's weights travel beside it). */
export interface StoppingState {
  f1s: number[];
  best?: { score: number; epoch: number; val: Metrics };
  /** The epoch whose weights are the model's own when the state was taken (the best one, or a later one). */
  epoch: number;
}

export class EarlyStopping {
  private readonly f1s: number[] = [];
  private best: { score: number; epoch: number; weights: tf.Tensor[]; val: Metrics } | undefined;
  private lastEpoch = 0;

  constructor(private readonly model: WeightsHolder, private readonly o: { patience: number; classes: number }) {}

  /** After each epoch: keeps a copy of the weights when they are the best so far; true when training should stop. */
  epochEnd(e: EpochEnd): boolean {
    this.lastEpoch = e.epoch;
    this.f1s.push(e.val.macroF1);
    const score = smoothedValScore(this.f1s);
    if (!this.best || score > this.best.score) {
      this.best?.weights.forEach((w) => w.dispose());
      this.best = { score, epoch: e.epoch, weights: this.model.getWeights().map((w) => w.clone()), val: e.val };
      return false;
    }
    return shouldStop({ epoch: e.epoch, bestEpoch: this.best.epoch, patience: this.o.patience, steps: e.steps, loss: e.loss, classes: this.o.classes });
  }

  /** The state for a checkpoint taken after epoch `epoch` (the last epochEnd). */
  state(): StoppingState {
    const { best } = this;
    return { f1s: [...this.f1s], best: best && { score: best.score, epoch: best.epoch, val: best.val }, epoch: this.lastEpoch };
  }

  /** The best epoch's weights when they differ from the model's current ones (a later epoch was not better); else undefined. */
  bestWeights(): tf.Tensor[] | undefined {
    return this.best && this.best.epoch !== this.lastEpoch ? this.best.weights : undefined;
  }

  /**
   * Puts a checkpoint's state back, after the model's weights were restored to those of
   * `state.epoch`: the best weights are `best`, or (when the best epoch is that one) a copy of the
   * model's own.
   */
  load(state: StoppingState, best?: { shape: number[]; data: Float32Array }[]): void {
    this.dispose();
    this.f1s.splice(0, this.f1s.length, ...state.f1s);
    this.lastEpoch = state.epoch;
    if (!state.best) return;
    const weights = state.best.epoch === state.epoch || !best
      ? this.model.getWeights().map((w) => w.clone())
      : best.map((r) => tfTensor(r));
    this.best = { ...state.best, weights };
  }

  /** Puts the best epoch's weights back into the model; returns that epoch and its validation metrics. */
  restore(): { bestEpoch: number; val: Metrics } {
    if (!this.best) throw new Error('early stopping: no epoch ended');
    const { epoch, weights, val } = this.best;
    this.model.setWeights(weights);
    weights.forEach((w) => w.dispose());
    this.best = undefined;
    return { bestEpoch: epoch, val };
  }

  /** Frees the kept weights (training failed or was cancelled). */
  dispose(): void {
    this.best?.weights.forEach((w) => w.dispose());
    this.best = undefined;
  }
}
