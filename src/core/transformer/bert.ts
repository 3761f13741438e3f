/**
 * BERT in TensorFlow.js, top to bottom (the encoder of all-MiniLM-L6-v2 and bge-small-en-v1.5).
 * Read beside Hugging Face's `modeling_bert.py`; the weights keep their checkpoint names. A
 * PyTorch Linear stores its weight as [out, in] (y = x·Wᵀ + b); here it is held transposed, [in, out]
 * (y = x·W + b), because tfjs's wasm backend multiplies by a transposed matrix ~12× slower than by a
 * plain one (2.2 vs 28 GFLOP/s measured in Node). `fromTensors` and `tensors` transpose at the
 * boundary, so checkpoints in and out are in PyTorch's layout.
 *
 *   ids [B,T] ─ word + position + token-type embeddings ─ LayerNorm ─ dropout ─> x [B,T,H]
 *   for each layer:                                   (post-LN: LayerNorm after each residual add)
 *     x = LayerNorm(x + dropout(Wo · attention(x, mask)))
 *     x = LayerNorm(x + dropout(W2 · gelu(W1 · x)))
 *   pool: mean of x over the real tokens (MiniLM) or x[:, 0] ([CLS], bge), then L2-normalize.
 *
 * Shapes: B texts in the batch, T tokens (the batch's longest text), H hidden size, N heads of
 * D = H / N dims, I intermediate size.
 *
 * Made to be trained as well as run (the fine-tuning student builds on it):
 *   - every weight is a tf.Variable kept by its checkpoint name (`variables`), so an optimizer can
 *     update them and a checkpoint can be written back under the same names;
 *   - `training: true` turns dropout on (hidden and attention probabilities, as in BERT);
 *   - `freeze` marks parts untrainable (the word embeddings are half the parameters, lower layers);
 *   - `hidden` can stop after any layer and start from any layer with a given input, so the output
 *     of frozen lower layers can be computed once and cached.
 *
 * GELU is the exact one, 0.5·x·(1 + erf(x/√2)). Every tfjs backend (cpu, wasm, webgl, webgpu) has
 * an Erf kernel; all use Abramowitz & Stegun 7.1.26, whose error is below 1.5e-7, far inside the
 * 1e-4 this model is checked to (tests/unit/transformer-reference.test.ts); tfjs also has its
 * gradient, so the same formula trains.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.js';
import type { BertConfig, Pooling } from './config.js';
import type { RawTensor } from './safetensors.js';

/** Added to the attention scores of padding keys: exp(-1e9 - max) is exactly 0 in float32. */
const MASK_BIAS = -1e9;

export interface ForwardOptions {
  /** Dropout on (fine-tuning) or off (inference, the default). */
  training?: boolean;
  /** Run layers [fromLayer, toLayer); 0 and numLayers by default. */
  fromLayer?: number;
  toLayer?: number;
  /** The input to `fromLayer` when it is above 0 (a cached [B,T,H] output of the layer below). */
  input?: tf.Tensor3D;
}

let modelCount = 0;

/**
 * tf.gather(table, ids) with its gradient written as a ScatterNd (rows added where ids repeat):
 * tfjs's own gather gradient is an UnsortedSegmentSum, which the wasm backend lacks, so the word
 * embeddings could not be fine-tuned there. Every backend has ScatterNd.
 */
const lookupWithGrad = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [table, ids, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  const [B, T] = ids.shape;
  const [V, H] = table.shape;
  save([ids]);
  return {
    value: tf.gather(table, ids).reshape([B, T, H]), // [B,T,H]
    gradFunc: (dy: tf.Tensor, [savedIds]: tf.Tensor[]) => [
      tf.scatterND(savedIds!.reshape([B * T, 1]), dy.reshape([B * T, H]), [V, H]), // [V,H]
      tf.zerosLike(savedIds!),
    ],
  };
}) as Parameters<typeof tf.customGrad>[0]);

export const embeddingLookup = (table: tf.Tensor, ids: tf.Tensor2D): tf.Tensor3D => lookupWithGrad(table, ids) as tf.Tensor3D;

/**
 * a·b (batched over leading axes) whose gradients are plain products of explicitly transposed
 * copies: da = dy·bᵀ, db = aᵀ·dy. tfjs's own gradient asks for matMul(…, transposeA/B), which the
 * wasm backend runs ~10× slower than a plain product (measured on MiniLM's [512,384]×[384,1536]:
 * 780 vs 75 ms for both gradients); without this a training step took 20× its forward pass. The
 * transposes are memory copies, cheap beside the products. Values are the same up to float
 * rounding (relative 1e-6).
 */
const plainGradMatMul = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => {
      const r = sa!.rank;
      const perm = [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]; // swap the last two axes
      return [tf.matMul(dy, tf.transpose(sb!, perm)), tf.matMul(tf.transpose(sa!, perm), dy)];
    },
  };
}) as Parameters<typeof tf.customGrad>[0]);

export const matMul = <T extends tf.Tensor>(a: T, b: tf.Tensor): T => plainGradMatMul(a, b) as T;

export class Bert {
  /** Checkpoint name → weight, e.g. `encoder.layer.0.attention.self.query.weight`. */
  readonly variables: Map<string, tf.Variable>;
  /**
   * Where dropout masks get their seeds while training: a trainer sets a seeded generator so a
   * run is reproducible (and a resumed one draws the same masks); unset, masks are unseeded.
   */
  dropoutSeeds?: () => number;
  private readonly headDim: number;

  private constructor(readonly config: BertConfig, variables: Map<string, tf.Variable>) {
    this.variables = variables;
    this.headDim = config.hiddenSize / config.numHeads;
  }

  /** The checkpoint names this model needs (all of a BertModel's but the unused pooler). */
  static weightNames(c: BertConfig): string[] {
    const names = ['embeddings.word_embeddings.weight', 'embeddings.position_embeddings.weight',
      'embeddings.token_type_embeddings.weight', 'embeddings.LayerNorm.weight', 'embeddings.LayerNorm.bias'];
    for (let l = 0; l < c.numLayers; l++) {
      const p = `encoder.layer.${l}.`;
      for (const lin of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense', 'intermediate.dense', 'output.dense']) {
        names.push(`${p}${lin}.weight`, `${p}${lin}.bias`);
      }
      names.push(`${p}attention.output.LayerNorm.weight`, `${p}attention.output.LayerNorm.bias`,
        `${p}output.LayerNorm.weight`, `${p}output.LayerNorm.bias`);
    }
    return names;
  }

  /** Expected shape of each weight in the checkpoint (PyTorch layout). */
  static weightShape(c: BertConfig, name: string): number[] {
    const H = c.hiddenSize, I = c.intermediateSize;
    if (name === 'embeddings.word_embeddings.weight') return [c.vocabSize, H];
    if (name === 'embeddings.position_embeddings.weight') return [c.maxPositions, H];
    if (name === 'embeddings.token_type_embeddings.weight') return [c.typeVocabSize, H];
    if (name.endsWith('intermediate.dense.weight')) return [I, H];
    if (name.endsWith('intermediate.dense.bias')) return [I];
    if (/\.output\.dense\.weight$/.test(name) && !name.includes('attention')) return [H, I];
    if (name.endsWith('.weight') && !name.includes('LayerNorm')) return [H, H];
    return [H];
  }

  /**
   * Builds the model from a checkpoint's tensors (safetensors.ts). Names may carry a `bert.`
   * prefix (checkpoints saved from BertFor… heads); a missing or misshapen weight is refused.
   */
  static fromTensors(config: BertConfig, tensors: Map<string, RawTensor>): Bert {
    const prefix = tensors.has('bert.embeddings.word_embeddings.weight') ? 'bert.' : '';
    const uid = `bert${++modelCount}`;
    const vars = new Map<string, tf.Variable>();
    try {
      for (const name of Bert.weightNames(config)) {
        const raw = tensors.get(prefix + name);
        const shape = Bert.weightShape(config, name);
        if (!raw) throw new UserError('model-weights', `The model weights have no ${name}.`, 'Use the model.safetensors of a BERT-family model that matches its config.json.');
        if (raw.shape.join() !== shape.join()) {
          throw new UserError('model-weights', `${name} has shape [${raw.shape}] where config.json implies [${shape}].`, 'The weights and config.json do not belong together; download the model again.');
        }
        const t = tf.tidy(() => {
          const w = tf.tensor(raw.data, shape, 'float32');
          return Bert.isLinearWeight(name) ? w.transpose() : w;
        });
        vars.set(name, tf.variable(t, true, `${uid}/${name}`));
        t.dispose();
      }
    } catch (e) {
      for (const v of vars.values()) v.dispose();
      throw e;
    }
    return new Bert(config, vars);
  }

  /** Random weights, normal(0, σ) (BERT initialises with σ = 0.02), in checkpoint layout: test fixtures. */
  static randomTensors(config: BertConfig, seed = 1, std = 0.02): Map<string, RawTensor> {
    let s = seed >>> 0;
    const uniform = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
    const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    const out = new Map<string, RawTensor>();
    for (const name of Bert.weightNames(config)) {
      const shape = Bert.weightShape(config, name);
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      if (name.endsWith('LayerNorm.weight')) data.fill(1);
      else if (!name.endsWith('.bias')) for (let i = 0; i < data.length; i++) data[i] = std * normal();
      out.set(name, { shape, data });
    }
    return out;
  }

  /** A Linear's weight: held [in, out] here, stored [out, in] in checkpoints. */
  static isLinearWeight(name: string): boolean {
    return name.startsWith('encoder.') && name.endsWith('.weight') && !name.includes('LayerNorm');
  }

  private w(name: string): tf.Variable {
    return this.variables.get(name)!;
  }

  /** y = x·W + b over the last axis: [B,T,in] → [B,T,out]. */
  private linear(x: tf.Tensor3D, name: string): tf.Tensor3D {
    const [B, T, inDim] = x.shape;
    const W = this.w(`${name}.weight`); // [in, out]
    const y = matMul(x.reshape([B * T, inDim]), W).add(this.w(`${name}.bias`)); // [B*T, out]
    return y.reshape([B, T, W.shape[1]!]);
  }

  private layerNorm(x: tf.Tensor3D, name: string): tf.Tensor3D {
    const { mean, variance } = tf.moments(x, -1, true); // [B,T,1] each
    return x.sub(mean).mul(tf.rsqrt(variance.add(this.config.layerNormEps)))
      .mul(this.w(`${name}.weight`)).add(this.w(`${name}.bias`));
  }

  private dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean): T {
    return training && rate > 0 ? tf.dropout(x, rate, undefined, this.dropoutSeeds?.()) as T : x;
  }

  /** ids [B,T] → x [B,T,H]. Every text is one segment, so the token type is 0 throughout. */
  embed(ids: tf.Tensor2D, training = false): tf.Tensor3D {
    const T = ids.shape[1];
    const words = embeddingLookup(this.w('embeddings.word_embeddings.weight'), ids); // [B,T,H]
    const positions = this.w('embeddings.position_embeddings.weight').slice([0, 0], [T, -1]); // [T,H]
    const type0 = this.w('embeddings.token_type_embeddings.weight').slice([0, 0], [1, -1]); // [1,H]
    const x = this.layerNorm(words.add(positions).add(type0) as tf.Tensor3D, 'embeddings.LayerNorm');
    return this.dropout(x, this.config.hiddenDropout, training);
  }

  /** mask [B,T] of 1/0 → additive bias [B,1,1,T]: 0 for real keys, MASK_BIAS for padding. */
  static maskBias(mask: tf.Tensor2D): tf.Tensor4D {
    const [B, T] = mask.shape;
    return tf.scalar(1).sub(mask.toFloat()).mul(MASK_BIAS).reshape([B, 1, 1, T]);
  }

  /** Multi-head self-attention: x [B,T,H] → context [B,T,H] (before the output projection). */
  private attention(x: tf.Tensor3D, bias: tf.Tensor4D, l: number, training: boolean): tf.Tensor3D {
    const [B, T, H] = x.shape;
    const N = this.config.numHeads, D = this.headDim;
    const heads = (name: string, perm: number[]) => this.linear(x, `encoder.layer.${l}.attention.self.${name}`)
      .reshape([B, T, N, D]).transpose(perm) as tf.Tensor4D;
    const q = heads('query', [0, 2, 1, 3]); // [B,N,T,D]
    const kT = heads('key', [0, 2, 3, 1]); // [B,N,D,T]: transposed here, as a plain matMul is the fast one
    const v = heads('value', [0, 2, 1, 3]); // [B,N,T,D]
    const scores = matMul(q, kT).mul(1 / Math.sqrt(D)).add(bias); // [B,N,T,T]
    const probs = this.dropout(tf.softmax(scores, -1), this.config.attentionDropout, training);
    return matMul(probs, v).transpose([0, 2, 1, 3]).reshape([B, T, H]) as tf.Tensor3D; // [B,T,H]
  }

  /** One transformer layer: x [B,T,H] → [B,T,H]. */
  layer(x: tf.Tensor3D, bias: tf.Tensor4D, l: number, training = false): tf.Tensor3D {
    const p = `encoder.layer.${l}.`;
    const { hiddenDropout } = this.config;
    const attended = this.dropout(this.linear(this.attention(x, bias, l, training), `${p}attention.output.dense`), hiddenDropout, training);
    const h = this.layerNorm(x.add(attended), `${p}attention.output.LayerNorm`); // [B,T,H]
    const up = this.linear(h, `${p}intermediate.dense`); // [B,T,I]
    const gelu = up.mul(tf.erf(up.mul(Math.SQRT1_2)).add(1)).mul(0.5) as tf.Tensor3D;
    const down = this.dropout(this.linear(gelu, `${p}output.dense`), hiddenDropout, training); // [B,T,H]
    return this.layerNorm(h.add(down), `${p}output.LayerNorm`);
  }

  /**
   * Token vectors after layers [fromLayer, toLayer): ids, mask [B,T] → [B,T,H]. With fromLayer
   * above 0, `input` is the (cached) output of layer fromLayer − 1 for the same ids and mask.
   */
  hidden(ids: tf.Tensor2D, mask: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    const { training = false, fromLayer = 0, toLayer = this.config.numLayers } = opts;
    if (fromLayer > 0 && !opts.input) throw new Error('hidden(): fromLayer > 0 needs the input of that layer');
    const bias = Bert.maskBias(mask);
    let x = fromLayer > 0 ? opts.input! : this.embed(ids, training);
    for (let l = fromLayer; l < toLayer; l++) x = this.layer(x, bias, l, training);
    return x;
  }

  /** Sentence vectors: [B,T,H] → [B,H], by mean over the real tokens or by the [CLS] token. */
  static pool(hidden: tf.Tensor3D, mask: tf.Tensor2D, pooling: Pooling): tf.Tensor2D {
    if (pooling === 'cls') return hidden.slice([0, 0, 0], [-1, 1, -1]).squeeze([1]) as tf.Tensor2D;
    const m = mask.toFloat().expandDims(-1); // [B,T,1]
    // The count from the [B,T] mask, clipped: after the BERT's ops, tfjs-backend-webgpu 4.22 gave
    // 1e-9 for m.sum(1).maximum(1e-9) (the [B,T,1] mask's sum; each op alone was right), so mean
    // pooling came out ~1e9 too large on WebGPU (SwiftShader). The L2-normalized encoder vectors hid
    // it; fine-tuning's loss did not (tests/e2e/finetune.spec.ts).
    return hidden.mul(m).sum(1).div(mask.toFloat().sum(1, true).clipByValue(1e-9, 3e38)) as tf.Tensor2D;
  }

  /** x / max(‖x‖, 1e-12) per row, as torch.nn.functional.normalize. */
  static l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
    return x.div(x.norm('euclidean', -1, true).maximum(1e-12));
  }

  /** Marks weights whose checkpoint name matches as not trainable (or trainable again). */
  freeze(match: (name: string) => boolean, frozen = true): void {
    for (const [name, v] of this.variables) if (match(name)) v.trainable = !frozen;
  }

  /** Freezes the embeddings and the first `layers` layers: the usual "train the top" setup. */
  freezeBelow(layers: number): void {
    this.freeze((n) => n.startsWith('embeddings.') || Number(/^encoder\.layer\.(\d+)\./.exec(n)?.[1] ?? Infinity) < layers);
  }

  trainableVariables(): tf.Variable[] {
    return [...this.variables.values()].filter((v) => v.trainable);
  }

  /** Current weights by checkpoint name, in PyTorch's layout (for saving as safetensors). */
  async tensors(): Promise<Map<string, RawTensor>> {
    const out = new Map<string, RawTensor>();
    for (const [name, v] of this.variables) {
      const t = Bert.isLinearWeight(name) ? v.transpose() : v;
      out.set(name, { shape: t.shape, data: (await t.data()) as Float32Array });
      if (t !== v) t.dispose();
    }
    return out;
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.variables.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }
}
