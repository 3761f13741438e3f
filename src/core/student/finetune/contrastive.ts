/**
 * SetFit's first stage (Tunstall et al. 2022), before the classifier trains: the body learns from
 * pairs of training texts that their sentence vectors should be alike (same label, cosine 1) or
 * not (different labels, cosine 0), which turns n examples into O(n²) training signals — what
 * makes it strong with 8–16 examples per class.
 *
 *   pairs: for each of `contrastivePairs` rounds, every example with one random example of its
 *          label (target 1) and one of another label (target 0)
 *   u, v = pool(BERT(a)), pool(BERT(b))                 [P,H] each, for a batch of P pairs
 *   loss = mean_p (cos(u_p, v_p) − target_p)²           sentence-transformers' CosineSimilarityLoss
 *
 * One epoch over the pairs, batches of 16 pairs, AdamW at SetFit's body learning rate (2e-5)
 * with a 10% warm-up and linear decay, dropout on, the same weights trainable as in fine-tuning.
 */
import * as tf from '@tensorflow/tfjs';
import { throwIfAborted } from '../../errors.js';
import type { LongOpOptions } from '../../progress.js';
import { mulberry32 } from '../random.js';
import type { StudentHyper } from '../spec.js';
import type { Labeled, StepReport } from '../train.js';
import { AdamW, decays, linearWarmupDecay, type ParamGroup } from './adamw.js';
import type { FineTunedTransformer } from './model.js';
import type { TokenRows } from './token-rows.js';
import { microBatches, setTrainable, summedGradients, trainingBytesPerToken } from './trainer.js';

/** SetFit's defaults: body learning rate, pairs per batch. */
export const CONTRASTIVE_LR = 2e-5;
export const PAIR_BATCH = 16;

/** Same- and different-label pairs of row indices with their target cosine, seeded. */
export function contrastivePairs(y: Int32Array, rounds: number, seed: number): Array<[number, number, number]> {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  const byLabel = new Map<number, number[]>();
  y.forEach((c, i) => byLabel.set(c, [...(byLabel.get(c) ?? []), i]));
  const pairs: Array<[number, number, number]> = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < y.length; i++) {
      const same = byLabel.get(y[i]!)!.filter((j) => j !== i);
      const other = [...byLabel].filter(([c]) => c !== y[i]).flatMap(([, xs]) => xs);
      if (same.length) pairs.push([i, pick(same), 1]);
      if (other.length) pairs.push([i, pick(other), 0]);
    }
  }
  // Shuffled so a batch mixes examples and targets.
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j]!, pairs[i]!];
  }
  return pairs;
}

/** The stage's pairs for a run of `hyper` (the estimate prices the same ones). */
export function stagePairs(y: Int32Array, hyper: Pick<StudentHyper, 'contrastivePairs' | 'seed'>): Array<[number, number, number]> {
  return contrastivePairs(y, hyper.contrastivePairs ?? 20, hyper.seed ^ 0xc0de);
}

/** Trains `model`'s body on contrastive pairs of `train` (the head is untouched). */
export async function contrastiveStage(model: FineTunedTransformer, train: Labeled<TokenRows>, hyper: StudentHyper,
  opts: LongOpOptions & { memoryBytes?: number; onStep?: (s: StepReport) => void } = {}): Promise<{ loss: number[] }> {
  // The whole body learns the pairs (SetFit); `trainLayers` is for the classification stage after,
  // which may then train the head alone (trainLayers 0) on what this stage taught the body.
  setTrainable(model, { freezeEmbeddings: hyper.freezeEmbeddings });
  const bert = model.classifier.bert;
  const body = [...bert.variables].filter(([, v]) => v.trainable);
  const groups: ParamGroup[] = [
    { params: new Map(body.filter(([n]) => decays(n))), lr: CONTRASTIVE_LR, weightDecay: hyper.weightDecay ?? 0.01 },
    { params: new Map(body.filter(([n]) => !decays(n))), lr: CONTRASTIVE_LR, weightDecay: 0 },
  ];
  const optimizer = new AdamW(groups, { clipNorm: hyper.clipNorm ?? 1 });
  const pairs = stagePairs(train.y, hyper);
  const seeds = mulberry32(hyper.seed ^ 0xd0d0);
  bert.dropoutSeeds = () => Math.floor(seeds() * 2 ** 31);
  const vars = body.map(([, v]) => v);
  const losses: number[] = [];
  const rows = train.x;
  const steps = Math.ceil(pairs.length / PAIR_BATCH);
  const t0 = performance.now();
  try {
    for (let s = 0; s < pairs.length; s += PAIR_BATCH) {
      throwIfAborted(opts.signal);
      const batch = pairs.slice(s, s + PAIR_BATCH);
      // Both texts of a pair go through the body: a pair costs its longer text twice.
      const pairLength = (i: number) => Math.max(rows.length(batch[i]![0]), rows.length(batch[i]![1]));
      const config = bert.config;
      const parts = microBatches(batch.map((_, i) => i), pairLength, opts.memoryBytes ?? 2 ** 30, (T) => 2 * trainingBytesPerToken(config, T));
      const { loss, grads } = await summedGradients(parts.length, (k) => {
        const part = parts[k]!.map((i) => batch[i]!);
        const a = rows.batch(part.map((p) => p[0]));
        const b = rows.batch(part.map((p) => p[1]));
        return tf.tidy(() => {
          const target = tf.tensor1d(part.map((p) => p[2])); // [P]
          const vec = (t: typeof a) => {
            const mask = tf.tensor2d(t.mask, [t.batch, t.seqLen], 'int32');
            return model.classifier.pooled(tf.tensor2d(t.ids, [t.batch, t.seqLen], 'int32'), mask, { training: true }); // [P,H]
          };
          return tf.variableGrads(() => {
            const u = vec(a), v = vec(b);
            const cos = u.mul(v).sum(1).div(u.norm('euclidean', 1).mul(v.norm('euclidean', 1)).clipByValue(1e-8, 3e38)); // [P]; not maximum (bert.ts pool)
            // This part's share of the batch's mean.
            return tf.sum(tf.square(cos.sub(target))).div(batch.length) as tf.Scalar;
          }, vars);
        });
      });
      try {
        await optimizer.apply(grads, linearWarmupDecay(s / pairs.length, 0.1));
      } finally {
        tf.dispose(grads);
      }
      losses.push(loss);
      const step = losses.length;
      const elapsed = (performance.now() - t0) / 1000;
      const stepsPerSecond = step / Math.max(1e-9, elapsed);
      opts.onStep?.({
        stage: 'contrastive', epoch: 0, step, stepsInEpoch: steps, steps: step, maxSteps: steps, loss, stepsPerSecond,
        // Two texts a pair.
        examplesPerSecond: (2 * Math.min(pairs.length, s + PAIR_BATCH)) / Math.max(1e-9, elapsed), etaSeconds: (steps - step) / stepsPerSecond,
      });
      await new Promise((r) => setTimeout(r, 0));
    }
  } finally {
    optimizer.dispose();
    bert.dropoutSeeds = undefined;
  }
  return { loss: losses };
}
