/**
 * AdamW (Loshchilov & Hutter 2019), the optimiser BERT fine-tuning uses, with the two things
 * tfjs's Adam lacks: weight decay decoupled from the gradient (applied to the weight directly,
 * not added to the loss) and per-group learning rates (the pretrained body learns slowly, the new
 * head fast). Plus the usual companions: clipping by the global gradient norm, and a linear
 * warm-up then linear decay of the learning rate.
 *
 * For each weight p with gradient g, at step t (as torch.optim.AdamW):
 *   m = β1·m + (1−β1)·g          v = β2·v + (1−β2)·g²
 *   p = p − lr·( (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)  +  wd·p )
 *
 * The moments are tf.Variables keyed by the weight's checkpoint name, so a checkpoint written
 * after an epoch can put them back into a model rebuilt later (whose tf.Variable names differ).
 */
import * as tf from '@tensorflow/tfjs';
import type { RawTensor } from '../../transformer/safetensors.js';

export interface ParamGroup {
  /** Checkpoint name → weight. */
  params: Map<string, tf.Variable>;
  lr: number;
  weightDecay: number;
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  /** BERT's own fine-tuning used 1e-6 (torch's default is 1e-8). */
  epsilon?: number;
  /** Clip the gradients' global L2 norm to this (BERT: 1.0); 0 = no clipping. */
  clipNorm?: number;
}

/**
 * Weight decay is for the matrices only: biases and LayerNorm gains/shifts are left alone (as in
 * BERT and Hugging Face's Trainer), since shrinking them toward 0 has no regularising meaning.
 */
export function decays(name: string): boolean {
  return !name.endsWith('.bias') && !name.includes('LayerNorm');
}

/**
 * The learning-rate factor at `progress` (share of the planned training done, 0…1): linear
 * warm-up over the first `warmup` share, then linear decay to 0 at the end (Hugging Face's
 * get_linear_schedule_with_warmup, counted in examples rather than steps, so batches of unequal
 * size — length buckets under a token budget — do not skew it).
 */
export function linearWarmupDecay(progress: number, warmup: number): number {
  if (progress < warmup) return Math.max(progress / warmup, 1e-3);
  return Math.max(0, (1 - progress) / Math.max(1e-9, 1 - warmup));
}

export class AdamW {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly clipNorm: number;
  /** Updates applied so far (t in the bias corrections). */
  steps = 0;

  constructor(private readonly groups: ParamGroup[], o: AdamWOptions = {}) {
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? 1e-6;
    this.clipNorm = o.clipNorm ?? 1;
  }

  /**
   * One update from gradients keyed by tf.Variable name (what tf.variableGrads returns), the
   * learning rates scaled by `lrScale` (the schedule). Disposes nothing it was given; returns the
   * gradients' global norm before clipping.
   */
  async apply(grads: tf.NamedTensorMap, lrScale: number): Promise<number> {
    this.steps++;
    const t = this.steps;
    const b1 = this.beta1, b2 = this.beta2;
    const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
    const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))));
    const [normValue] = await norm.data();
    norm.dispose();
    // Clipping scales every gradient by the same factor, so the direction is kept.
    const clip = this.clipNorm > 0 && normValue > this.clipNorm ? this.clipNorm / (normValue + 1e-6) : 1;
    for (const group of this.groups) {
      const lr = group.lr * lrScale;
      for (const [key, p] of group.params) {
        const g0 = grads[p.name];
        if (!g0) continue;
        const m = this.moment(this.m, key, p);
        const v = this.moment(this.v, key, p);
        tf.tidy(() => {
          const g = clip === 1 ? g0 : g0.mul(clip);
          m.assign(m.mul(b1).add(g.mul(1 - b1)));
          v.assign(v.mul(b2).add(g.square().mul(1 - b2)));
          const step = m.div(c1).div(v.div(c2).sqrt().add(this.epsilon)); // [shape of p]
          const decayed = group.weightDecay > 0 ? step.add(p.mul(group.weightDecay)) : step;
          p.assign(p.sub(decayed.mul(lr)));
        });
      }
    }
    return normValue;
  }

  private moment(map: Map<string, tf.Variable>, key: string, p: tf.Variable): tf.Variable {
    let x = map.get(key);
    if (!x) {
      const zeros = tf.zerosLike(p);
      map.set(key, (x = tf.variable(zeros, false)));
      zeros.dispose();
    }
    return x;
  }

  /** The moments as `m/<name>` and `v/<name>` tensors, for a checkpoint (with `steps`). */
  async state(): Promise<Map<string, RawTensor>> {
    const out = new Map<string, RawTensor>();
    for (const [prefix, map] of [['m', this.m], ['v', this.v]] as const) {
      for (const [key, x] of map) out.set(`${prefix}/${key}`, { shape: x.shape, data: (await x.data()) as Float32Array });
    }
    return out;
  }

  /** Puts moments saved by `state` back (for the weights this optimiser has). */
  load(state: Map<string, RawTensor>, steps: number): void {
    this.steps = steps;
    for (const group of this.groups) {
      for (const [key, p] of group.params) {
        for (const [prefix, map] of [['m', this.m], ['v', this.v]] as const) {
          const raw = state.get(`${prefix}/${key}`);
          if (!raw) continue;
          if (raw.shape.join() !== p.shape.join()) throw new Error(`AdamW: saved ${prefix}/${key} has shape [${raw.shape}], the weight [${p.shape}]`);
          map.get(key)?.dispose();
          const t = tf.tensor(raw.data, raw.shape);
          map.set(key, tf.variable(t, false));
          t.dispose();
        }
      }
    }
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}
