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
  /** Most padded tokens in one training batch (batch × its longest text): bounds memory. */
  maxBatchTokens: number;
  /** Bytes the cached lower-layer outputs may take (0: recompute every step). */
  cacheBytes?: number;
}

/**
 * Activation bytes one token costs in a training step of `config`'s BERT, measured on MiniLM in
 * Node wasm (tf.memory() peak within a step, batch 32 × 32 tokens: ~0.31 MB per token for 6
 * layers), scaled by layers and widths for other models.
 */
export function trainingBytesPerToken(config: { hiddenSize: number; intermediateSize: number; numLayers: number }): number {
  return 0.31e6 * (config.numLayers / 6) * ((4 * config.hiddenSize + config.intermediateSize) / (4 * 384 + 1536));
}

/** Sets which weights train: `freezeEmbeddings` keeps the word-embedding matrix; `trainLayers` k keeps all but the top k layers. */
export function setTrainable(model: FineTunedTransformer, hyper: Pick<StudentHyper, 'freezeEmbeddings' | 'trainLayers'>): void {
  const bert = model.classifier.bert;
  bert.freeze(() => true, false);
  const L = bert.config.numLayers;
  if (hyper.trainLayers !== undefined && hyper.trainLayers < L) bert.freezeBelow(L - Math.max(0, hyper.trainLayers));
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
    const L = bert.config.numLayers;
    this.fromLayer = hyper.trainLayers !== undefined && hyper.trainLayers < L ? L - Math.max(0, hyper.trainLayers) : 0;
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
    return lengthBuckets(order, (r) => rows.length(r), { batchSize: this.hyper.batchSize, maxTokens: this.plan.maxBatchTokens, rand });
  }

  /** The learning-rate factor for the next step (warm-up, then linear decay). */
  lrScale(): number {
    return linearWarmupDecay(this.seen / Math.max(1, this.plan.plannedExamples), this.hyper.warmup ?? 0.1);
  }

  async step(idx: number[]): Promise<number> {
    const { x, y } = this.train;
    const b = x.batch(idx);
    const input = this.fromLayer > 0 ? await this.lowerOutput(b.index, b.seqLen) : undefined;
    const { value, grads } = tf.tidy(() => {
      const ids = tf.tensor2d(b.ids, [b.batch, b.seqLen], 'int32'); // [B,T]
      const mask = tf.tensor2d(b.mask, [b.batch, b.seqLen], 'int32'); // [B,T]
      const labels = tf.oneHot(tf.tensor1d(Int32Array.from(idx, (i) => y[i]!), 'int32'), this.k); // [B,K]
      const rowWeights = tf.tensor1d(Float32Array.from(idx, (i) => this.weights[i]!)); // [B]
      return tf.variableGrads(() => {
        const logits = this.model.classifier.logits(ids, mask, { training: true, fromLayer: this.fromLayer, input }); // [B,K]
        const ce = tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)); // [B]
        return tf.mean(tf.mul(ce, rowWeights)) as tf.Scalar;
      }, this.vars);
    });
    input?.dispose();
    try {
      await this.optimizer.apply(grads, this.lrScale());
    } finally {
      tf.dispose(grads);
    }
    this.seen += idx.length;
    const [loss] = await value.data();
    value.dispose();
    return loss!;
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
