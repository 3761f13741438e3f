/**
 * A text classifier on the TF.js BERT (bert.ts): the fine-tuning student's model, and what the
 * bundle's inference file runs (generated from this file by scripts/build-bundle-runtime.ts, so
 * the exported model computes exactly what the app trained).
 *
 *   ids, mask [B,T] ─ BERT (all layers trainable) ─> x [B,T,H]
 *   pool: mean over the real tokens (MiniLM's own pooling) or x[:, 0] ([CLS])    ─> [B,H]
 *   dropout (training only) ─ dense H → K                                        ─> logits [B,K]
 *
 * The head is stored under `classifier.weight` [K,H] and `classifier.bias` [K] in PyTorch's layout
 * beside the body's checkpoint names, so `tensors()` is a complete safetensors checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.js';
import { Bert, matMul, type ForwardOptions } from './bert.js';
import type { BertConfig, Pooling } from './config.js';
import type { RawTensor } from './safetensors.js';

export const HEAD_WEIGHT = 'classifier.weight';
export const HEAD_BIAS = 'classifier.bias';

let headCount = 0;

export class BertClassifier {
  /** [H,K], held transposed like the body's Linear weights. */
  readonly headWeight: tf.Variable;
  readonly headBias: tf.Variable;

  /** Dropout on the pooled vector while training (BERT's classifier heads use the hidden dropout, 0.1). */
  headDropout: number;

  private constructor(readonly bert: Bert, readonly pooling: Pooling, readonly classes: number, w: tf.Tensor, b: tf.Tensor) {
    this.headDropout = bert.config.hiddenDropout;
    const uid = `head${++headCount}`;
    this.headWeight = tf.variable(w, true, `${uid}/${HEAD_WEIGHT}`);
    this.headBias = tf.variable(b, true, `${uid}/${HEAD_BIAS}`);
  }

  /**
   * A checkpoint with a head (`classifier.*`, a fine-tuned student), or a pretrained body alone
   * and a new head of `classes` outputs, initialised as BERT's heads are: normal(0, 0.02), zero bias.
   */
  static fromTensors(config: BertConfig, tensors: Map<string, RawTensor>, opts: { pooling: Pooling; classes: number; seed?: number }): BertClassifier {
    const { classes } = opts;
    const w = tensors.get(HEAD_WEIGHT);
    const b = tensors.get(HEAD_BIAS);
    if ((w || b) && (w?.shape.join() !== `${classes},${config.hiddenSize}` || b?.shape.join() !== `${classes}`)) {
      throw new UserError('model-weights', `The classifier head has shape [${w?.shape}] / [${b?.shape}] where ${classes} labels and hidden size ${config.hiddenSize} need [${classes},${config.hiddenSize}] / [${classes}].`,
        'The weights and labels do not belong together; export the student again.');
    }
    const bert = Bert.fromTensors(config, tensors);
    const [weight, bias] = tf.tidy(() => [
      w ? tf.tensor2d(w.data, [classes, config.hiddenSize]).transpose() : tf.randomNormal([config.hiddenSize, classes], 0, 0.02, 'float32', opts.seed ?? 1),
      b ? tf.tensor1d(b.data) : tf.zeros([classes]),
    ]);
    const model = new BertClassifier(bert, opts.pooling, classes, weight!, bias!);
    // The variables hold the values now; the tensors they were made from are ours to free.
    tf.dispose([weight!, bias!]);
    return model;
  }

  /** Pooled sentence vectors [B,H] (before the head's dropout). */
  pooled(ids: tf.Tensor2D, mask: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor2D {
    return Bert.pool(this.bert.hidden(ids, mask, opts), mask, this.pooling);
  }

  /** The head on pooled vectors: [B,H] → logits [B,K]. */
  head(pooled: tf.Tensor2D, training = false): tf.Tensor2D {
    const rate = this.headDropout;
    const x = training && rate > 0 ? tf.dropout(pooled, rate, undefined, this.bert.dropoutSeeds?.()) : pooled;
    return matMul(x, this.headWeight).add(this.headBias) as tf.Tensor2D;
  }

  /** ids, mask [B,T] → logits [B,K]; `fromLayer`/`input` start from a cached layer output (bert.ts). */
  logits(ids: tf.Tensor2D, mask: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor2D {
    return this.head(this.pooled(ids, mask, opts), opts.training ?? false);
  }

  /** Every weight by checkpoint name, body and head. */
  variables(): Map<string, tf.Variable> {
    return new Map([...this.bert.variables, [HEAD_WEIGHT, this.headWeight], [HEAD_BIAS, this.headBias]]);
  }

  /** The whole model in PyTorch's layout (for safetensors): the body's names plus the head. */
  async tensors(): Promise<Map<string, RawTensor>> {
    const out = await this.bert.tensors();
    const wT = this.headWeight.transpose();
    out.set(HEAD_WEIGHT, { shape: wT.shape, data: (await wT.data()) as Float32Array });
    wT.dispose();
    out.set(HEAD_BIAS, { shape: this.headBias.shape, data: (await this.headBias.data()) as Float32Array });
    return out;
  }

  dispose(): void {
    this.bert.dispose();
    this.headWeight.dispose();
    this.headBias.dispose();
  }
}
