/**
 * The fine-tuning step, nanoGPT-style: one batch of word-piece ids in, weighted cross-entropy
 * out, gradients by tf.variableGrads, one AdamW update (adamw.ts). fitStudent (../train.ts)
 * drives it epoch by epoch with early stopping, as it drives every kind of student.
 *
 *   batch: B texts, padded to the longest, T ≤ maxTokens   ids, mask [B,T]
 *   frozen lower layers (trainLayers < L): x = BERT layers [0, L−k) in eval mode, cached per text
 *   logits = head(pool(BERT layers [L−k, L) (x)))              [B,K]
 *   loss = mean_b( w_b · −log softmax(logits)[b, y_b] )        w = example weight × class weight
 *
 * What it costs (MiniLM, Node wasm, measured): ~63 MFLOP per token per step; the word-embedding
 * matrix (11.7M of 22.7M weights) adds a dense [30522, 384] gradient and its AdamW update to every
 * step unless frozen; training only the top k layers skips the lower layers' backward pass and,
 * from the second epoch, their forward pass too (their outputs are cached within a byte budget).
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../random.js';
import type { StudentHyper } from '../spec.js';
import { lossWeights, type Labeled, type StepTrainer, type TrainerState } from '../train.js';
import { AdamW, decays, linearWarmupDecay, type ParamGroup } from './adamw.js';
import type { FineTunedTransformer } from './model.js';
import { lengthBuckets, type TokenRows } from './token-rows.js';

export interface FineTunePlan {
  /** Examples the whole run is planned to see (epochs × examples per epoch): the schedule's 100%. */
  plannedExamples: number;
  /**
   * Bytes one forward + backward pass may take for its activations: a batch whose texts need more
   * is run as several micro-batches whose gradients are summed before the one AdamW update, so the
   * batch (and so the training) is the same whatever the memory.
   */
  memoryBytes: number;
  /** Bytes the cached lower-layer outputs may take (0: recompute every step). */
  cacheBytes?: number;
}

type BertShape = { hiddenSize: number; intermediateSize: number; numLayers: number; numHeads: number };

/**
 * Bytes one token costs in a training step of `config`'s BERT when its batch is padded to
 * `seqLen`: tfjs's peak bytes within one step (tf.profile), measured on MiniLM in Node wasm
 * (2026-12-04: 8 × 16 tokens 452 MB, 8 × 28 675 MB, 8 × 53 1,134 MB, 4 × 104 1,204 MB,
 * 2 × 202 1,338 MB, ~160 MB of it the weights): ~2.2 MB per token plus ~3.1 KB per token per
 * position for the attention maps ([B, heads, T, T] per layer, kept for the backward pass).
 * Scaled by layers, widths and heads for other models. (An earlier estimate of 0.31 MB per token,
 * read from tf.memory() after a step rather than its peak, let batches of 32 AG News texts ask the
 * wasm backend for more than its 4 GB, which aborted the process.)
 */
export function trainingBytesPerToken(config: BertShape, seqLen: number): number {
  const perToken = 2.2e6 * (config.numLayers / 6) * ((4 * config.hiddenSize + config.intermediateSize) / (4 * 384 + 1536));
  const attention = 4 * 11 * config.numHeads * config.numLayers * seqLen;
  return perToken + attention;
}

/**
 * `rows` cut into micro-batches that each fit `memoryBytes` (trainingBytesPerToken × texts × the
 * micro-batch's longest text), shortest texts first so each is padded little. A text too long to
 * fit alone still gets a micro-batch of its own.
 */
export function microBatches(rows: readonly number[], length: (r: number) => number, memoryBytes: number, bytesPerToken: (seqLen: number) => number): number[][] {
  const sorted = [...rows].sort((a, b) => length(a) - length(b));
  const out: number[][] = [];
  let cur: number[] = [];
  for (const r of sorted) {
    const T = length(r); // the longest so far: sorted ascending
    if (cur.length && (cur.length + 1) * T * bytesPerToken(T) > memoryBytes) {
      out.push(cur);
      cur = [];
    }
    cur.push(r);
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * One optimizer step's gradients from several micro-batches: `part(i)` returns micro-batch i's
 * loss (its share of the batch's mean) and gradients; they are summed as they come, so only one
 * micro-batch's activations and one running sum are alive at a time. Returns the summed loss.
 */
export async function summedGradients(parts: number, part: (i: number) => { value: tf.Scalar; grads: tf.NamedTensorMap }): Promise<{ loss: number; grads: tf.NamedTensorMap }> {
  let sum: tf.NamedTensorMap = {};
  let loss = 0;
  for (let i = 0; i < parts; i++) {
    const { value, grads } = part(i);
    if (i === 0) sum = grads;
    else {
      const next = tf.tidy(() => Object.fromEntries(Object.entries(sum).map(([k, g]) => [k, tf.add(g, grads[k]!)])));
      tf.dispose([...Object.values(sum), ...Object.values(grads)]);
      sum = next;
    }
    loss += (await value.data())[0]!;
    value.dispose();
  }
  return { loss, grads: sum };
}

/** How many of `layers` lower layers stay frozen when only the top `trainLayers` train (0: every layer trains). */
export function frozenLayers(hyper: Pick<StudentHyper, 'trainLayers'>, layers: number): number {
  return hyper.trainLayers !== undefined && hyper.trainLayers < layers ? layers - Math.max(0, hyper.trainLayers) : 0;
}

/** Sets which weights train: `freezeEmbeddings` keeps the word-embedding matrix; `trainLayers` k keeps all but the top k layers. */
export function setTrainable(model: FineTunedTransformer, hyper: Pick<StudentHyper, 'freezeEmbeddings' | 'trainLayers'>): void {
  const bert = model.classifier.bert;
  bert.freeze(() => true, false);
  const frozen = frozenLayers(hyper, bert.config.numLayers);
  if (frozen) bert.freezeBelow(frozen);
  if (hyper.freezeEmbeddings) bert.freeze((n) => n === 'embeddings.word_embeddings.weight');
}

export class FineTuneTrainer implements StepTrainer {
  private readonly optimizer: AdamW;
  private readonly vars: tf.Variable[];
  private readonly weights: Float32Array;
  /** Layers below this are frozen: their output is the trained layers' input (cached when it fits). */
  private readonly fromLayer: number;
  private readonly cache = new Map<number, Float32Array>();
  private cachedBytes = 0;
  private seen = 0;
  private seedDraws = 0;
  private readonly nextSeed: () => number;

  constructor(private readonly model: FineTunedTransformer, private readonly train: Labeled<TokenRows>, private readonly k: number,
    private readonly hyper: StudentHyper, private readonly plan: FineTunePlan) {
    setTrainable(model, hyper);
    const { classifier } = model;
    const bert = classifier.bert;
    classifier.headDropout = hyper.dropout;
    this.fromLayer = frozenLayers(hyper, bert.config.numLayers);
    // Four groups: body and head (each its own learning rate) × decayed or not (biases, LayerNorm).
    const groups: ParamGroup[] = [];
    const add = (params: [string, tf.Variable][], lr: number) => {
      groups.push({ params: new Map(params.filter(([n]) => decays(n))), lr, weightDecay: hyper.weightDecay ?? 0.01 });
      groups.push({ params: new Map(params.filter(([n]) => !decays(n))), lr, weightDecay: 0 });
    };
    const all = [...classifier.variables()].filter(([, v]) => v.trainable);
    add(all.filter(([n]) => !n.startsWith('classifier.')), hyper.bodyLearningRate ?? hyper.learningRate);
    add(all.filter(([n]) => n.startsWith('classifier.')), hyper.learningRate);
    this.optimizer = new AdamW(groups, { clipNorm: hyper.clipNorm ?? 1 });
    this.vars = all.map(([, v]) => v);
    this.weights = lossWeights(train.y, k, train.w);
    const rand = mulberry32(hyper.seed ^ 0x5eed);
    this.nextSeed = () => { this.seedDraws++; return Math.floor(rand() * 2 ** 31); };
    bert.dropoutSeeds = this.nextSeed;
  }

  batches(order: number[], rand: () => number): number[][] {
    const rows = this.train.x;
    // Batches of batchSize texts of like length; memory is bounded per micro-batch (step), not here.
    return lengthBuckets(order, (r) => rows.length(r), { batchSize: this.hyper.batchSize, maxTokens: Infinity, rand });
  }

  /** The learning-rate factor for the next step (warm-up, then linear decay). */
  lrScale(): number {
    return linearWarmupDecay(this.seen / Math.max(1, this.plan.plannedExamples), this.hyper.warmup ?? 0.1);
  }

  async step(idx: number[]): Promise<number> {
    const { x, y } = this.train;
    const config = this.model.classifier.bert.config;
    const parts = microBatches(idx, (r) => x.length(r), this.plan.memoryBytes, (T) => trainingBytesPerToken(config, T));
    // The lower layers' outputs first (they await reads), then each part's gradients.
    const inputs = this.fromLayer > 0 ? await Promise.all(parts.map((p) => this.lowerOutput(p, x.batch(p).seqLen))) : undefined;
    let summed;
    try {
      summed = await summedGradients(parts.length, (i) => {
        const part = parts[i]!;
        const b = x.batch(part);
        return tf.tidy(() => {
          const ids = tf.tensor2d(b.ids, [b.batch, b.seqLen], 'int32'); // [b,T]
          const mask = tf.tensor2d(b.mask, [b.batch, b.seqLen], 'int32'); // [b,T]
          const labels = tf.oneHot(tf.tensor1d(Int32Array.from(part, (r) => y[r]!), 'int32'), this.k); // [b,K]
          const rowWeights = tf.tensor1d(Float32Array.from(part, (r) => this.weights[r]!)); // [b]
          return tf.variableGrads(() => {
            const logits = this.model.classifier.logits(ids, mask, { training: true, fromLayer: this.fromLayer, input: inputs?.[i] }); // [b,K]
            const ce = tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)); // [b]
            // This part's share of the batch's weighted mean: the parts' losses and gradients add up to the batch's.
            return tf.div(tf.sum(tf.mul(ce, rowWeights)), idx.length) as tf.Scalar;
          }, this.vars);
        });
      });
    } finally {
      tf.dispose(inputs ?? []);
    }
    try {
      await this.optimizer.apply(summed.grads, this.lrScale());
    } finally {
      tf.dispose(summed.grads);
    }
    this.seen += idx.length;
    return summed.loss;
  }

  /**
   * The frozen lower layers' output for rows `index`, padded to `seqLen`: [B,T,H]. Each text's
   * output [len, H] is computed once in eval mode and kept while the cache has room; padding
   * positions are zeros (they are masked out of attention and pooling above).
   */
  private async lowerOutput(index: number[], seqLen: number): Promise<tf.Tensor3D> {
    const rows = this.train.x;
    const H = this.model.classifier.bert.config.hiddenSize;
    const missing = index.filter((r) => !this.cache.has(r));
    const fresh = new Map<number, Float32Array>();
    if (missing.length) {
      const mb = rows.batch(missing);
      const out = tf.tidy(() => this.model.classifier.bert.hidden(
        tf.tensor2d(mb.ids, [mb.batch, mb.seqLen], 'int32'), tf.tensor2d(mb.mask, [mb.batch, mb.seqLen], 'int32'), { toLayer: this.fromLayer }));
      const data = (await out.data()) as Float32Array;
      out.dispose();
      missing.forEach((r, i) => {
        const len = rows.length(r);
        const v = data.slice(i * mb.seqLen * H, (i * mb.seqLen + len) * H);
        fresh.set(r, v);
        if (this.cachedBytes + v.byteLength <= (this.plan.cacheBytes ?? 0)) {
          this.cache.set(r, v);
          this.cachedBytes += v.byteLength;
        }
      });
    }
    const flat = new Float32Array(index.length * seqLen * H);
    index.forEach((r, i) => flat.set(this.cache.get(r) ?? fresh.get(r)!, i * seqLen * H));
    return tf.tensor3d(flat, [index.length, seqLen, H]);
  }

  sync(): void {}

  async state(): Promise<TrainerState> {
    return { tensors: await this.optimizer.state(), counters: { steps: this.optimizer.steps, seen: this.seen, seedDraws: this.seedDraws } };
  }

  load(s: TrainerState): void {
    this.optimizer.load(s.tensors, s.counters.steps ?? 0);
    this.seen = s.counters.seen ?? 0;
    // The dropout seeds continue where the saved run was.
    const draws = s.counters.seedDraws ?? 0;
    while (this.seedDraws < draws) this.nextSeed();
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.classifier.bert.dropoutSeeds = undefined;
    this.cache.clear();
  }
}
