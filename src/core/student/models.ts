/**
 * Student model builders: small, declarative tfjs layers models that save with `model.save` and
 * load with the stock `tf.loadLayersModel` (no custom layers).
 */
import * as tf from '@tensorflow/tfjs';
import type { StudentHyper } from './spec.js';

/**
 * Word model: tokens [batch, maxTokens] int32 → embedding [b, T, d] (initialised from GloVe,
 * frozen) → concat(mean, max) over T [b, 2d] → hidden dense → softmax [b, classes].
 * Mean+max pooling (SWEM-concat) measured better than mean alone and is far cheaper than a CNN on
 * CPU backends, whose conv gradients are missing (wasm) or slow (cpu).
 */
export function buildWordPool(init: { vocabSize: number; dim: number; maxTokens: number; classes: number; embeddings: Float32Array }, h: StudentHyper): tf.LayersModel {
  const tokens = tf.input({ shape: [init.maxTokens], dtype: 'int32', name: 'tokens' });
  const table = tf.tensor2d(init.embeddings, [init.vocabSize, init.dim]);
  const emb = tf.layers.embedding({
    inputDim: init.vocabSize,
    outputDim: init.dim,
    weights: [table],
    // Not trainable for tfjs's own optimizers: dense Adam over a 30k×100 table costs ~1.4 s per
    // batch on the CPU backend. train.ts fine-tunes it sparsely (only the batch's rows) instead.
    trainable: false,
    name: 'embedding',
  }).apply(tokens) as tf.SymbolicTensor;
  const pooled = tf.layers.concatenate({ name: 'mean_max' }).apply([
    tf.layers.globalAveragePooling1d({ name: 'mean' }).apply(emb) as tf.SymbolicTensor,
    tf.layers.globalMaxPooling1d({ name: 'max' }).apply(emb) as tf.SymbolicTensor,
  ]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: tokens, outputs: head(pooled, init.classes, h), name: 'wordpool' });
  // The layer's variable was assigned from `table` when built; the initial tensor itself is ours to free.
  table.dispose();
  return model;
}

/** MLP head over frozen sentence vectors [batch, dim] (0–2 hidden layers). */
export function buildMlp(dim: number, classes: number, h: StudentHyper): tf.LayersModel {
  const x = tf.input({ shape: [dim], name: 'vectors' });
  return tf.model({ inputs: x, outputs: head(x, classes, h), name: 'mlp' });
}

function head(x: tf.SymbolicTensor, classes: number, h: StudentHyper): tf.SymbolicTensor {
  let y = x;
  h.hidden.forEach((units, i) => {
    y = tf.layers.dropout({ rate: h.dropout, seed: h.seed + 10 + i }).apply(y) as tf.SymbolicTensor;
    y = tf.layers.dense({ units, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: h.seed + i }) }).apply(y) as tf.SymbolicTensor;
  });
  y = tf.layers.dropout({ rate: h.dropout, seed: h.seed + 20 }).apply(y) as tf.SymbolicTensor;
  return tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: h.seed + 30 }), name: 'scores' }).apply(y) as tf.SymbolicTensor;
}

/**
 * The training-time forward pass, run eagerly through the model's own layer objects, from the
 * model's features (the embedded tokens [b, T, d] or their pooling for `wordpool`, the vectors for `mlp`) to class
 * probabilities. The trainer feeds it embeddings gathered from a small per-batch sub-table, so the
 * saved stock-layers model computes exactly this at inference. Dropout draws a fresh seeded mask
 * per call (tfjs's Dropout layer reuses one mask when given a seed).
 */
export function forwardFromFeatures(model: tf.LayersModel, features: tf.Tensor, training: boolean, nextSeed: () => number, from: 'features' | 'pooled' = 'features'): tf.Tensor2D {
  let y = features;
  const pooled: tf.Tensor[] = [];
  const layers = model.layers;
  // From 'pooled': `features` is already [mean ‖ max] (computed by sparse-embedding.ts); start after the Concatenate.
  const start = from === 'pooled' ? layers.findIndex((l) => l.getClassName() === 'Concatenate') + 1 : 0;
  for (const layer of layers.slice(start)) {
    switch (layer.getClassName()) {
      case 'InputLayer':
      case 'Embedding':
        break;
      case 'GlobalAveragePooling1D':
      case 'GlobalMaxPooling1D':
        pooled.push(layer.apply(features) as tf.Tensor);
        break;
      case 'Concatenate':
        y = layer.apply(pooled) as tf.Tensor;
        break;
      case 'Dropout': {
        const rate = (layer.getConfig() as { rate: number }).rate;
        if (training && rate > 0) y = tf.dropout(y, rate, undefined, nextSeed());
        break;
      }
      default:
        y = layer.apply(y) as tf.Tensor;
    }
  }
  return y as tf.Tensor2D;
}
