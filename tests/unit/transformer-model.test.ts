/**
 * The TF.js BERT's behaviour beyond matching PyTorch: results independent of padding and batch
 * company, no tensor leaks over 10,000 texts, safetensors in every float type, and the handles the
 * fine-tuning student needs (trainable variables, dropout only when training, freezing, starting
 * from a cached layer output).
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransformerEncoder, sentenceEmbeddings } from '../../src/core/encode/transformer-encoder.js';
import { isUserError } from '../../src/core/errors.js';
import { Bert, embeddingLookup } from '../../src/core/transformer/bert.js';
import { useNodeBackend } from '../../src/core/transformer/backend-node.js';
import { dirFiles } from '../../src/core/transformer/files-node.js';
import { loadSentenceTransformer, type SentenceTransformer } from '../../src/core/transformer/load.js';
import { halfToFloat, readSafetensors, writeSafetensors } from '../../src/core/transformer/safetensors.js';
import { lengthBatches, padBatch } from '../../src/core/transformer/tokenizer.js';

const TINY = 'tests/fixtures/tiny-bert';
const MINILM = 'public/models/all-MiniLM-L6-v2';

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

let tiny: SentenceTransformer;
beforeAll(async () => {
  await useNodeBackend('wasm');
  tiny = await loadSentenceTransformer(await dirFiles(TINY));
});
afterAll(async () => {
  tiny.bert.dispose();
  await tf.setBackend('cpu');
});

/** One text's vector when padded to `padTo` tokens, alone in its batch. */
function embedPadded(m: SentenceTransformer, text: string, padTo: number): Float32Array {
  const t = m.tokenizer.encode(text);
  const b = padBatch([t, { ids: new Array(padTo).fill(1) }], [0, 1]); // a second, longer row forces padding
  return tf.tidy(() => sentenceEmbeddings(m, b).slice([0, 0], [1, -1]).dataSync() as Float32Array);
}

describe('padding', () => {
  it.each(['mean', 'cls'] as const)('does not change a text\'s vector (%s pooling)', (pooling) => {
    tiny.sentence.pooling = pooling;
    const text = 'a short text , with punctuation !';
    const alone = tf.tidy(() => sentenceEmbeddings(tiny, padBatch([tiny.tokenizer.encode(text)], [0])).dataSync() as Float32Array);
    for (const padTo of [12, 40, 64]) expect(maxAbs(embedPadded(tiny, text, padTo), alone)).toBeLessThan(1e-6);
    tiny.sentence.pooling = 'mean';
  });

  it('a wrong mask would show: padding counted in the mean moves the vector', () => {
    // Guards the test above: the fixture's outputs do depend on what the mask lets through.
    const t = tiny.tokenizer.encode('a short text');
    const b = padBatch([t, { ids: new Array(30).fill(1) }], [0, 1]);
    const ok = tf.tidy(() => sentenceEmbeddings(tiny, b).slice([0, 0], [1, -1]).dataSync() as Float32Array);
    b.mask.fill(1, 0, b.seqLen); // pretend the padding were text
    const wrong = tf.tidy(() => sentenceEmbeddings(tiny, b).slice([0, 0], [1, -1]).dataSync() as Float32Array);
    expect(maxAbs(ok, wrong)).toBeGreaterThan(1e-2);
  });

  it.runIf(existsSync(`${MINILM}/model.safetensors`))('MiniLM: the same vectors alone, in a length-sorted batch and beside a 256-piece text', async () => {
    const enc = await TransformerEncoder.load(await dirFiles(MINILM));
    try {
      const texts = ['great movie', 'a dull , lifeless script that never finds its footing', 'ok', 'word '.repeat(400)];
      const together = await enc.encode(texts);
      for (let i = 0; i < 3; i++) {
        const [alone] = await enc.encode([texts[i]!]);
        expect(maxAbs(alone!, together[i]!)).toBeLessThan(1e-5);
      }
    } finally { await enc.dispose(); }
  }, 60_000);
});

describe('batching by length', () => {
  it('sorts by length, pads each batch to its own longest text, caps batch × length, keeps every index once', () => {
    const items = [5, 2, 9, 3, 3, 7, 2].map((n) => ({ ids: Array.from({ length: n }, (_, i) => i + 1) }));
    const batches = lengthBatches(items, 3, 0, 16);
    expect(batches.map((b) => b.index)).toEqual([[1, 6, 3], [4, 0], [5], [2]]); // 2 × 9 would pass 16
    expect(batches.map((b) => b.seqLen)).toEqual([3, 5, 7, 9]);
    expect(batches.every((b) => b.batch * b.seqLen <= 16 || b.batch === 1)).toBe(true);
    const b = batches[0]!;
    expect(Array.from(b.mask.slice(0, 3))).toEqual([1, 1, 0]); // a 2-token text padded to 3
  });

  it('returns vectors in input order', async () => {
    const enc = new TransformerEncoder(tiny, { batchSize: 2 });
    const texts = ['the longest text of them all , by far', 'a', 'medium length text'];
    const all = await enc.encode(texts);
    for (const [i, t] of texts.entries()) expect(maxAbs((await enc.encode([t]))[0]!, all[i]!)).toBeLessThan(1e-6);
  });
});

describe('memory', () => {
  it('encoding 10,000 texts leaves no tensor behind', async () => {
    const enc = new TransformerEncoder(tiny, { batchSize: 64 });
    await enc.encode(['warm up']);
    const before = tf.memory().numTensors;
    const texts = Array.from({ length: 10_000 }, (_, i) => `text number ${i} ${'is long '.repeat(i % 13)}`);
    const out = await enc.encode(texts);
    expect(out).toHaveLength(10_000);
    expect(out[9_999]).toHaveLength(32);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it.runIf(existsSync(`${MINILM}/model.safetensors`))('MiniLM: encoding leaves no tensor behind, and dispose frees the weights', async () => {
    const base = tf.memory().numTensors;
    const enc = await TransformerEncoder.load(await dirFiles(MINILM));
    const loaded = tf.memory().numTensors;
    expect(loaded - base).toBe(Bert.weightNames(enc.model.config).length);
    await enc.encode(Array.from({ length: 40 }, (_, i) => `sentence ${i} about a film`));
    expect(tf.memory().numTensors).toBe(loaded);
    await enc.dispose();
    expect(tf.memory().numTensors).toBe(base);
  }, 60_000);
});

describe('safetensors', () => {
  it('reads F32, F16 and BF16 the same, and refuses a truncated file', () => {
    const values = [0, 1, -2, 0.5, 65504, -0.0001220703125, 3.140625];
    const f32 = writeSafetensors(new Map([['w', { shape: [7], data: Float32Array.from(values) }]]));
    expect(Array.from(readSafetensors(f32).get('w')!.data)).toEqual(values.map(Math.fround));
    // Rewrite the same file as F16 and BF16 by hand.
    const asType = (dtype: 'F16' | 'BF16', encode: (v: number) => number) => {
      const header = JSON.stringify({ w: { dtype, shape: [7], data_offsets: [0, 14] } });
      const head = new TextEncoder().encode(header);
      const out = new Uint8Array(8 + head.length + 14);
      const dv = new DataView(out.buffer);
      dv.setBigUint64(0, BigInt(head.length), true);
      out.set(head, 8);
      values.forEach((v, i) => dv.setUint16(8 + head.length + 2 * i, encode(v), true));
      return out;
    };
    const toBf16 = (v: number) => new Uint32Array(Float32Array.of(v).buffer)[0]! >>> 16;
    const f16Bits: Record<number, number> = { 0: 0x0000, 1: 0x3c00, [-2]: 0xc000, 0.5: 0x3800, 65504: 0x7bff, [-0.0001220703125]: 0x8800, 3.140625: 0x4248 };
    expect(Array.from(readSafetensors(asType('F16', (v) => f16Bits[v]!)).get('w')!.data)).toEqual(values);
    expect(Array.from(readSafetensors(asType('BF16', toBf16)).get('w')!.data)).toEqual([0, 1, -2, 0.5, 65280, -0.0001220703125, 3.140625]); // bf16 keeps 8 bits of mantissa
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x0001)).toBeCloseTo(5.96e-8, 9);
    let err: unknown;
    try { readSafetensors(f32.subarray(0, f32.length - 3)); } catch (e) { err = e; }
    expect(isUserError(err) && err.code).toBe('safetensors-damaged');
  });

  it('a model saved from its variables loads back to the same vectors', async () => {
    const saved = writeSafetensors(await tiny.bert.tensors());
    const again = Bert.fromTensors(tiny.config, readSafetensors(saved));
    try {
      const b = padBatch([tiny.tokenizer.encode('round trip')], [0]);
      const a = tf.tidy(() => sentenceEmbeddings(tiny, b).dataSync() as Float32Array);
      const c = tf.tidy(() => sentenceEmbeddings({ ...tiny, bert: again }, b).dataSync() as Float32Array);
      expect(maxAbs(a, c)).toBe(0);
    } finally { again.dispose(); }
  });

  it('refuses weights that do not fit config.json, naming the tensor', () => {
    const t = Bert.randomTensors(tiny.config);
    t.set('encoder.layer.1.intermediate.dense.weight', { shape: [3, 3], data: new Float32Array(9) });
    const before = tf.memory().numTensors;
    expect(() => Bert.fromTensors(tiny.config, t)).toThrow(/encoder\.layer\.1\.intermediate\.dense\.weight has shape \[3,3\]/);
    expect(tf.memory().numTensors).toBe(before); // the weights made before the bad one are freed
  });
});

describe('made to be fine-tuned', () => {
  it('gradients reach every weight; dropout only when training; frozen weights are left out', () => {
    const b = padBatch([tiny.tokenizer.encode('train me'), tiny.tokenizer.encode('and me too')], [0, 1]);
    const ids = tf.tensor2d(b.ids, [b.batch, b.seqLen], 'int32');
    const mask = tf.tensor2d(b.mask, [b.batch, b.seqLen], 'int32');
    const loss = (training: boolean) => () => Bert.pool(tiny.bert.hidden(ids, mask, { training }), mask, 'mean').square().sum() as tf.Scalar;
    const vars = tiny.bert.trainableVariables();
    expect(vars).toHaveLength(Bert.weightNames(tiny.config).length);
    const { grads, value } = tf.variableGrads(loss(false), vars);
    value.dispose();
    // Every weight but the unused type-1 row gets a gradient (positions beyond T get zeros, still a tensor).
    expect(Object.keys(grads)).toHaveLength(vars.length);
    const norm = tf.tidy(() => tf.addN(Object.values(grads).map((g) => g.square().sum())).dataSync()[0]!);
    expect(norm).toBeGreaterThan(0);
    tf.dispose(Object.values(grads));

    const run = (training: boolean) => tf.tidy(() => loss(training)().dataSync()[0]!);
    expect(run(false)).toBe(run(false));
    expect(run(true)).not.toBe(run(true)); // dropout draws differ

    tiny.bert.freezeBelow(1);
    const left = tiny.bert.trainableVariables().length;
    expect(left).toBe(16); // layer 1's 16 weights; embeddings and layer 0 frozen
    tiny.bert.freeze(() => true, false);
    expect(tiny.bert.trainableVariables()).toHaveLength(vars.length);
    tf.dispose([ids, mask]);
  });

  it('the word-embedding gradient adds up the rows of repeated ids (on wasm, which lacks tfjs\'s own)', () => {
    expect(tf.getBackend()).toBe('wasm');
    const table = tf.variable(tf.tensor2d([[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]]));
    const ids = tf.tensor2d([[1, 1, 3]], [1, 3], 'int32');
    const c = tf.tensor3d([[[1, 2], [10, 20], [100, 200]]]);
    const { grads, value } = tf.variableGrads(() => embeddingLookup(table, ids).mul(c).sum() as tf.Scalar, [table]);
    expect(Array.from(grads[table.name]!.dataSync())).toEqual([0, 0, 11, 22, 0, 0, 100, 200, 0, 0]);
    tf.dispose([table, ids, c, value, ...Object.values(grads)]);
  });

  it('the top layers can start from the cached output of the ones below', () => {
    const b = padBatch([tiny.tokenizer.encode('cache the lower layers'), tiny.tokenizer.encode('short')], [0, 1]);
    tf.tidy(() => {
      const ids = tf.tensor2d(b.ids, [b.batch, b.seqLen], 'int32');
      const mask = tf.tensor2d(b.mask, [b.batch, b.seqLen], 'int32');
      const full = tiny.bert.hidden(ids, mask);
      const lower = tiny.bert.hidden(ids, mask, { toLayer: 1 });
      const upper = tiny.bert.hidden(ids, mask, { fromLayer: 1, input: lower });
      expect(maxAbs(full.dataSync(), upper.dataSync())).toBe(0);
    });
  });
});
