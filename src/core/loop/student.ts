/**
 * The loop's `train` / `load` over an encoder and a tfjs classifier head on frozen embeddings.
 * Embeddings go through the store's cache, so each round re-embeds only its new examples.
 * Training is deterministic given the seed (seeded initialisers, dropout and batch order), so a
 * resumed run retrains the same student; per-example loss weights carry the seed weight;
 * early stopping on validation macro-F1 restores the best epoch.
 *
 * PROVISIONAL: this head stands in until the student module (src/core/student/train.ts, issue 4)
 * lands; then `train` delegates to it. The interface the loop sees (LoopDeps) does not change.
 */
import * as tf from '@tensorflow/tfjs';
import { cachedEncode } from '../encode/cache.js';
import type { Encoder } from '../encode/encoder.js';
import { shuffled } from '../dataset/split.js';
import { macroF1 } from '../student/metrics.js';
import type { Store } from '../store/store.js';
import type { LoopDeps, TrainedStudent } from './deps.js';

export interface HeadOptions {
  encoder: Encoder;
  /** Hidden layer width; 0 = a linear (logistic-regression) head. */
  hidden?: number;
  dropout?: number;
  maxEpochs?: number;
  /** Epochs without a better validation macro-F1 before training stops. */
  patience?: number;
  batchSize?: number;
  learningRate?: number;
}

const DEFAULTS = { hidden: 256, dropout: 0.3, maxEpochs: 60, patience: 10, batchSize: 32, learningRate: 3e-3 };

function build(inputDim: number, classes: number, o: typeof DEFAULTS, seed: number): tf.LayersModel {
  const m = tf.sequential();
  if (o.hidden > 0) {
    m.add(tf.layers.dense({ inputShape: [inputDim], units: o.hidden, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
    m.add(tf.layers.dropout({ rate: o.dropout, seed: seed + 1 }));
  }
  m.add(tf.layers.dense({ inputShape: o.hidden > 0 ? undefined : [inputDim], units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }));
  return m;
}

function wrap(model: tf.LayersModel, encoder: Encoder, store: Store, labels: string[], meta: Record<string, unknown>): TrainedStudent {
  return {
    async predict(texts, options) {
      const vecs = await cachedEncode(encoder, texts, store, { signal: options?.signal });
      const out: number[][] = [];
      for (let i = 0; i < vecs.length; i += 1024) {
        const part = vecs.slice(i, i + 1024);
        const rows = tf.tidy(() => (model.predict(tf.tensor2d(concat(part), [part.length, encoder.dim])) as tf.Tensor).arraySync() as number[][]);
        out.push(...rows);
      }
      return out;
    },
    async toRecord(id, projectId, runId) {
      let saved: tf.io.ModelArtifacts | undefined;
      await model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
      const data = saved!.weightData!;
      const weights = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
      return {
        id, projectId, runId, createdAt: new Date().toISOString(),
        meta: { ...meta, labels, encoder: encoder.id, dim: encoder.dim },
        modelJson: { modelTopology: saved!.modelTopology, weightSpecs: saved!.weightSpecs, format: 'layers-model' },
        weights,
      };
    },
    dispose() { model.dispose(); },
  };
}

function concat(vs: Float32Array[]): Float32Array {
  const dim = vs[0]?.length ?? 0;
  const out = new Float32Array(vs.length * dim);
  vs.forEach((v, i) => out.set(v, i * dim));
  return out;
}

export function headStudent(options: HeadOptions, store: Store): Pick<LoopDeps, 'train' | 'load'> {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & HeadOptions;
  const { encoder } = options;
  return {
    async train(input, { signal, onProgress }) {
      const k = input.labels.length;
      const index = new Map(input.labels.map((l, i) => [l, i]));
      const X = await cachedEncode(encoder, input.train.map((e) => e.text), store, { signal, onProgress });
      const Xv = await cachedEncode(encoder, input.val.map((e) => e.text), store, { signal });
      const y = input.train.map((e) => index.get(e.label)!);
      const yv = input.val.map((e) => index.get(e.label)!);
      // Class weights (inverse frequency, by total example weight) times each example's own weight.
      const mass = new Array<number>(k).fill(0);
      input.train.forEach((e, i) => { mass[y[i]] += e.weight; });
      const total = mass.reduce((s, m) => s + m, 0);
      const w = input.train.map((e, i) => e.weight * (total / (k * Math.max(mass[y[i]], 1e-9))));

      const model = build(encoder.dim, k, o, input.seed);
      const optimizer = tf.train.adam(o.learningRate);
      const xAll = tf.tensor2d(concat(X), [X.length, encoder.dim]);
      const yAll = tf.oneHot(tf.tensor1d(y, 'int32'), k).toFloat();
      const wAll = tf.tensor1d(w);
      const xVal = tf.tensor2d(concat(Xv), [Xv.length, encoder.dim]);
      let best = -1;
      let bestWeights: tf.Tensor[] | undefined;
      let since = 0;
      try {
        for (let epoch = 0; epoch < o.maxEpochs && since < o.patience; epoch++) {
          if (signal?.aborted) throw Object.assign(new Error('The operation was cancelled.'), { name: 'AbortError' });
          const order = shuffled(Array.from({ length: X.length }, (_, i) => i), input.seed * 7919 + epoch);
          for (let s = 0; s < order.length; s += o.batchSize) {
            const idx = tf.tensor1d(order.slice(s, s + o.batchSize), 'int32');
            optimizer.minimize(() => {
              const xb = tf.gather(xAll, idx);
              const yb = tf.gather(yAll, idx);
              const wb = tf.gather(wAll, idx);
              const p = (model.apply(xb, { training: true }) as tf.Tensor).clipByValue(1e-7, 1);
              const nll = tf.neg(tf.sum(tf.mul(yb, tf.log(p)), 1));
              return tf.div(tf.sum(tf.mul(nll, wb)), tf.sum(wb)) as tf.Scalar;
            });
            idx.dispose();
          }
          const pred = tf.tidy(() => (model.predict(xVal) as tf.Tensor).argMax(1).arraySync() as number[]);
          const f1 = macroF1(yv, pred, k);
          onProgress?.({ phase: 'train', done: epoch + 1, total: o.maxEpochs, detail: { valMacroF1: f1 } });
          if (f1 > best) {
            best = f1;
            since = 0;
            bestWeights?.forEach((t) => t.dispose());
            bestWeights = model.getWeights().map((t) => t.clone());
          } else since++;
          await new Promise((r) => setTimeout(r, 0));
        }
        if (bestWeights) model.setWeights(bestWeights);
      } catch (e) {
        model.dispose();
        throw e;
      } finally {
        bestWeights?.forEach((t) => t.dispose());
        optimizer.dispose();
        tf.dispose([xAll, yAll, wAll, xVal]);
      }
      return wrap(model, encoder, store, input.labels, { kind: 'head', hidden: o.hidden, bestValMacroF1: best });
    },
    async load(record) {
      const m = record.modelJson as { modelTopology: object; weightSpecs: tf.io.WeightsManifestEntry[] };
      const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: m.modelTopology, weightSpecs: m.weightSpecs, weightData: record.weights }));
      return wrap(model, encoder, store, record.meta.labels as string[], record.meta);
    },
  };
}
