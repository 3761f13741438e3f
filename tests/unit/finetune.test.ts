/**
 * The fine-tuned transformer student on the tiny test BERT (tests/fixtures/tiny-bert: 2 layers,
 * hidden 32, random weights): it learns through the one student pipeline, leaves no tensor behind
 * over a whole run, is reproducible from its seed, resumes from an epoch checkpoint to the same
 * result as an uninterrupted run, and saves/loads through the record module. Plus the parts:
 * AdamW against a hand computation, the learning-rate schedule, length buckets, the length limit.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAbortError } from '../../src/core/errors.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { AdamW, decays, linearWarmupDecay } from '../../src/core/student/finetune/adamw.js';
import { contrastivePairs } from '../../src/core/student/finetune/contrastive.js';
import { estimateFineTuning } from '../../src/core/student/finetune/estimate.js';
import { DEFAULT_TRAINING_MEMORY, transformer } from '../../src/core/student/finetune/kind.js';
import { microBatches, trainingBytesPerToken } from '../../src/core/student/finetune/trainer.js';
import { studentHyper } from '../../src/core/student/defaults.js';
import { chooseMaxTokens, lengthBuckets } from '../../src/core/student/finetune/token-rows.js';
import { mulberry32 } from '../../src/core/student/random.js';
import { predict } from '../../src/core/student/predict.js';
import { loadModelRecord, modelMeta, toModelRecord } from '../../src/core/student/record.js';
import { trainStudent, type LabeledTexts, type TransformerFeatures } from '../../src/core/student/student.js';
import type { StudentHyper } from '../../src/core/student/spec.js';
import type { StepReport } from '../../src/core/student/train.js';
import { useNodeBackend } from '../../src/core/transformer/backend-node.js';
import { dirFiles } from '../../src/core/transformer/files-node.js';
import { readSentenceTransformer } from '../../src/core/transformer/load.js';
import { keywordReviews } from '../fixtures/keyword-reviews.js';

const TINY = 'tests/fixtures/tiny-bert';

/** Sentences whose label is one word among fillers: learnable, not by chance. */
const reviews = (n: number, seed: number): LabeledTexts => keywordReviews(n, mulberry32(seed), 8);

let features: TransformerFeatures;
// The tiny BERT's random word embeddings carry no meaning, so here they train (MiniLM's are kept frozen by default).
// Plain fine-tuning (contrastivePairs 0): these sets are small enough that the default would add the SetFit stage.
const HYPER = { epochs: 6, batchSize: 8, bodyLearningRate: 1e-2, learningRate: 3e-2, patience: 10, freezeEmbeddings: false, contrastivePairs: 0 };

beforeAll(async () => {
  await useNodeBackend('wasm');
  features = { kind: 'transformer', base: await readSentenceTransformer(await dirFiles(TINY)) };
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('fine-tuning the tiny BERT', () => {
  it('learns, leaves no tensor behind over a whole run, and its record loads and predicts the same', async () => {
    const baseline = tf.memory().numTensors;
    const steps: StepReport[] = [];
    const s = await trainStudent(reviews(120, 1), reviews(40, 2), features, { hyper: { ...HYPER, epochs: 8 }, onStep: (p) => steps.push(p) });
    expect(s.spec).toMatchObject({ kind: 'transformer', labels: ['neg', 'pos'], input: { pooling: 'mean' } });
    expect(s.spec.input.maxTokens).toBeGreaterThanOrEqual(13);
    expect(s.backend.backend).toBe('wasm');
    // The loss falls and the student learned the words.
    const losses = s.fit.history.map((h) => h.loss);
    expect(losses.at(-1)).toBeLessThan(0.6 * losses[0]!);
    expect(s.fit.val.accuracy).toBeGreaterThan(0.75);
    // Progress after every step: counts that add up, a speed, an ETA that runs down to 0.
    expect(steps.length).toBe(s.fit.history.length * steps[0]!.stepsInEpoch);
    expect(steps.map((p) => p.steps)).toEqual(steps.map((_, i) => i + 1));
    expect(steps.every((p) => p.stepsPerSecond > 0 && p.etaSeconds >= 0 && p.maxSteps >= p.steps)).toBe(true);
    expect(steps.at(-1)!.etaSeconds).toBe(0);
    // Alive now: the student's weights (body + head), nothing else.
    expect(tf.memory().numTensors).toBe(baseline + s.model.weights.length);

    const texts = ['the film was great fun', 'a dull and boring plot'];
    const record = await toModelRecord(s, { id: 'm', projectId: 'p' });
    expect(modelMeta(record).spec).toEqual(s.spec);
    const loaded = await loadModelRecord(record);
    const [a, b] = [await predict(s, texts), await predict(loaded, texts)];
    expect(a.map((p) => p.label)).toEqual(['pos', 'neg']);
    a.forEach((p, i) => p.scores.forEach((x, j) => expect(Math.abs(b[i]!.scores[j]! - x)).toBeLessThan(1e-6)));
    // Scoring runs layer by layer (each its own tidy, to bound memory): the same numbers as the model in one piece.
    const rows = s.model.encode(texts);
    const both = rows.batch([0, 1]);
    const whole = tf.tidy(() => tf.softmax(s.model.classifier.logits(tf.tensor2d(both.ids, [both.batch, both.seqLen], 'int32'), tf.tensor2d(both.mask, [both.batch, both.seqLen], 'int32'))));
    const oneByOne = await s.model.scores(rows);
    const w = await whole.data();
    whole.dispose();
    oneByOne.forEach((sc, i) => sc.forEach((v, j) => expect(Math.abs(v - w[i * 2 + j]!)).toBeLessThan(1e-6)));
    loaded.model.dispose();
    s.model.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  }, 120_000);

  it('is reproducible from its seed', async () => {
    const run = async () => {
      const s = await trainStudent(reviews(40, 3), reviews(20, 4), features, { hyper: { ...HYPER, epochs: 2 } });
      s.model.dispose();
      return s.fit.history.map((h) => h.loss);
    };
    expect(await run()).toEqual(await run());
  }, 60_000);

  it('resumes from its epoch checkpoint to the same student as a run never stopped', async () => {
    const train = reviews(60, 5);
    const val = reviews(20, 6);
    const hyper = { ...HYPER, epochs: 3, patience: 10 };
    const whole = await trainStudent(train, val, features, { hyper });
    const probe = ['the movie was the best', 'worst plot'];
    const expected = await predict(whole, probe);
    whole.model.dispose();

    const store = new MemoryStore();
    const checkpoint = { store, key: 'p:train', projectId: 'p' };
    const ac = new AbortController();
    // Killed after its first epoch (the checkpoint is written before onEpoch runs).
    await expect(trainStudent(train, val, features, { hyper, checkpoint, signal: ac.signal, onEpoch: (r) => { if (r.epoch === 1) ac.abort(); } }))
      .rejects.toSatisfy(isAbortError);
    expect((await store.getCheckpoint('p:train'))?.meta).toMatchObject({ epoch: 1 });
    // A checkpoint of other data under the same key is not used.
    const other = await trainStudent(reviews(60, 7), val, features, { hyper: { ...hyper, epochs: 1 }, checkpoint: { ...checkpoint, key: 'q' } });
    other.model.dispose();

    const epochs: number[] = [];
    const resumedAfter: Array<[number, number[]]> = [];
    const resumed = await trainStudent(train, val, features, {
      hyper, checkpoint, onEpoch: (r) => epochs.push(r.epoch), onResume: (epoch, history) => resumedAfter.push([epoch, history.map((h) => h.epoch)]),
    });
    expect(epochs).toEqual([2, 3]);
    // The page is told from which epoch, with the epochs before it (its curves start from them).
    expect(resumedAfter).toEqual([[1, [1]]]);
    expect(resumed.fit.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(resumed.fit.history.map((h) => h.loss)).toEqual(whole.fit.history.map((h) => h.loss));
    const got = await predict(resumed, probe);
    got.forEach((p, i) => p.scores.forEach((x, j) => expect(Math.abs(expected[i]!.scores[j]! - x)).toBeLessThan(1e-5)));
    resumed.model.dispose();
    // Finished: the checkpoint is gone.
    expect(await store.getCheckpoint('p:train')).toBeUndefined();
  }, 120_000);

  it('estimates a run\'s time from one measured step: the steps of a real epoch, a finite time, no tensor left', async () => {
    const train = reviews(50, 12);
    const val = reviews(20, 13);
    const hyper = { ...HYPER, epochs: 2, batchSize: 8 };
    const before = tf.memory().numTensors;
    const e = await estimateFineTuning(train, val, features, { hyper });
    expect(tf.memory().numTensors).toBe(before);
    expect(e.backend).toBe('wasm');
    expect(e.epochs).toBe(2);
    expect(e.trainTexts).toBe(50);
    expect(e.step.ms).toBeGreaterThan(0);
    expect(e.step.texts).toBeGreaterThan(0);
    const steps: StepReport[] = [];
    const s = await trainStudent(train, val, features, { hyper, onStep: (r) => steps.push(r) });
    s.model.dispose();
    expect(e.stepsPerEpoch).toBe(steps[0]!.stepsInEpoch);
    expect(Number.isFinite(e.seconds) && e.seconds > 0).toBe(true);
    // Within a factor of 10 of the real run on the same machine (a measurement, not a bound on speed).
    const real = steps.length / steps.at(-1)!.stepsPerSecond;
    expect(e.seconds).toBeGreaterThan(real / 10);
    expect(e.seconds).toBeLessThan(real * 10);
  }, 60_000);

  it('trains only the top layer from cached lower-layer outputs, and with a contrastive stage first', async () => {
    const baseline = tf.memory().numTensors;
    const top = await trainStudent(reviews(60, 8), reviews(20, 9), features, { hyper: { ...HYPER, trainLayers: 1 } });
    const frozen = top.model.classifier.bert.variables.get('encoder.layer.0.output.dense.weight')!;
    expect(frozen.trainable).toBe(false);
    expect(top.fit.history.at(-1)!.loss).toBeLessThan(top.fit.history[0]!.loss);
    top.model.dispose();
    const setfit = await trainStudent(reviews(16, 10), reviews(16, 11), features, { hyper: { ...HYPER, contrastivePairs: 4, epochs: 1 } });
    setfit.model.dispose();
    // SetFit proper: the contrastive stage trains the body, then only the head trains on its vectors
    // (the contrastive stage found nothing trainable here and threw, when it took trainLayers too).
    const steps: StepReport[] = [];
    const head = await trainStudent(reviews(16, 10), reviews(16, 11), features, { hyper: { ...HYPER, contrastivePairs: 4, trainLayers: 0, epochs: 1 }, onStep: (r) => steps.push(r) });
    expect(head.model.classifier.bert.variables.get('encoder.layer.1.output.dense.weight')!.trainable).toBe(false);
    head.model.dispose();
    // The stage reports its own steps (a user waits through it too): 16 texts × 4 rounds × 2 pairs
    // = 128 pairs, 8 batches of 16, then the classifier's steps.
    const stage = steps.filter((r) => r.stage === 'contrastive');
    expect(stage.map((r) => r.steps)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(stage.every((r) => r.maxSteps === 8 && Number.isFinite(r.loss) && r.etaSeconds >= 0)).toBe(true);
    expect(steps.findIndex((r) => !r.stage)).toBe(8);
    // Its time is in the estimate: an estimate of the same run without the stage is shorter by about it.
    const withStage = await estimateFineTuning(reviews(16, 10), reviews(16, 11), features, { hyper: { ...HYPER, contrastivePairs: 4, trainLayers: 0, epochs: 1 } });
    const without = await estimateFineTuning(reviews(16, 10), reviews(16, 11), features, { hyper: { ...HYPER, trainLayers: 0, epochs: 1 } });
    expect(withStage.contrastive!.steps).toBe(8);
    expect(without.contrastive).toBeUndefined();
    expect(withStage.contrastive!.seconds).toBeGreaterThan(0);
    expect(withStage.seconds).toBeGreaterThan(without.seconds);
    expect(tf.memory().numTensors).toBe(baseline);
  }, 120_000);

  it('at most 16 texts per class train SetFit\'s way by default, more train every layer; the spec records which, and a setting given wins', async () => {
    const { contrastivePairs: _plain, ...unset } = HYPER;
    const run = async (train: ReturnType<typeof reviews>, hyper: Partial<StudentHyper>) => {
      const steps: StepReport[] = [];
      const s = await trainStudent(train, reviews(8, 13), features, { hyper: { ...hyper, epochs: 1 }, onStep: (r) => steps.push(r) });
      s.model.dispose();
      return { hyper: s.spec.hyper, stageSteps: steps.filter((r) => r.stage === 'contrastive').length };
    };
    // 16 per class: 32 texts × 20 rounds × 2 pairs = 1,280 pairs, 80 batches of 16.
    const few = await run(reviews(32, 12), unset);
    expect([few.hyper.contrastivePairs, few.hyper.trainLayers]).toEqual([20, 0]);
    expect(few.stageSteps).toBe(80);
    const more = await run(reviews(34, 12), unset);
    expect([more.hyper.contrastivePairs, more.hyper.trainLayers]).toEqual([0, undefined]);
    expect(more.stageSteps).toBe(0);
    const told = await run(reviews(32, 12), { ...unset, contrastivePairs: 0 });
    expect([told.hyper.contrastivePairs, told.stageSteps]).toEqual([0, 0]);
    expect((await run(reviews(32, 12), { ...unset, trainLayers: 1 })).hyper.trainLayers).toBe(1);
  }, 120_000);
});

describe('memory: batches too big for it run as micro-batches', () => {
  const MINILM = { hiddenSize: 384, intermediateSize: 1536, numLayers: 6, numHeads: 12 };
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('cuts a batch into micro-batches within the memory, every row once, shortest first', () => {
    // 32 AG News-length texts (~100 word pieces): one pass took > 4 GB of the wasm backend's heap and aborted it.
    const lengths = range(32).map((i) => 60 + ((i * 37) % 41));
    const parts = microBatches(range(32), (r) => lengths[r]!, DEFAULT_TRAINING_MEMORY, (T) => trainingBytesPerToken(MINILM, T));
    expect(parts.length).toBeGreaterThan(4);
    expect(parts.flat().sort((a, b) => a - b)).toEqual(range(32));
    for (const p of parts) {
      const T = Math.max(...p.map((r) => lengths[r]!));
      expect(p.length * T * trainingBytesPerToken(MINILM, T)).toBeLessThanOrEqual(DEFAULT_TRAINING_MEMORY);
    }
    expect(parts.flat().map((r) => lengths[r]!)).toEqual([...lengths].sort((a, b) => a - b));
    // A text too long to fit alone still trains, alone.
    expect(microBatches([0, 1], () => 256, 1, () => 1e6)).toEqual([[0], [1]]);
    // Short texts: the whole batch in one pass.
    expect(microBatches(range(32), () => 8, DEFAULT_TRAINING_MEMORY, (T) => trainingBytesPerToken(MINILM, T))).toHaveLength(1);
  });

  it('makes the same update from micro-batches as from the whole batch', async () => {
    // No dropout, so both runs see the same function (their masks would differ).
    const base = { ...features.base, config: { ...features.base.config, hiddenDropout: 0, attentionDropout: 0 } };
    const f: TransformerFeatures = { kind: 'transformer', base };
    const data = reviews(16, 21);
    const hyper = studentHyper('transformer', { ...HYPER, dropout: 0, seed: 5, warmup: 0 }); // no warm-up: the first step's learning rate is not 0
    const spec = transformer.spec(data, ['neg', 'pos'], hyper, f);
    const x = await transformer.featurize(data.texts, spec, f, {});
    const y = Int32Array.from(data.labels, (l) => spec.labels.indexOf(l));
    const before = tf.memory().numTensors;
    const stepWith = async (memoryBytes: number) => {
      const m = transformer.build(spec, f);
      const t = transformer.trainer(m, { x, y }, spec, { memoryBytes });
      const loss = await t.step(range(16));
      const weights = await Promise.all(m.getWeights().map((w) => w.data()));
      t.dispose();
      m.dispose();
      return { loss, weights };
    };
    const whole = await stepWith(2 ** 40);
    const small = 4 * Math.max(...range(16).map((r) => x.length(r))) * trainingBytesPerToken(base.config, 32);
    expect(microBatches(range(16), (r) => x.length(r), small, (T) => trainingBytesPerToken(base.config, T)).length).toBeGreaterThanOrEqual(4);
    const split = await stepWith(small);
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(split.loss - whole.loss)).toBeLessThan(1e-5);
    let worst = 0;
    whole.weights.forEach((w, i) => w.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - split.weights[i]![j]!)); }));
    expect(worst).toBeLessThan(1e-5);
    // And the step did move the weights (a step that changed nothing would pass the line above).
    const m0 = transformer.build(spec, f);
    const init = await Promise.all(m0.getWeights().map((w) => w.data()));
    m0.dispose();
    expect(init.some((w, i) => w.some((v, j) => Math.abs(v - whole.weights[i]![j]!) > 1e-4))).toBe(true);
  }, 60_000);
});

describe('AdamW', () => {
  it('matches the update written out by hand, decays only matrices, and clips the global norm', async () => {
    await tf.setBackend('cpu');
    const w = tf.variable(tf.tensor2d([[1, -2]]), true, 'adamw-test/w');
    const b = tf.variable(tf.tensor1d([0.5]), true, 'adamw-test/b');
    const opt = new AdamW([{ params: new Map([['dense.weight', w]]), lr: 0.1, weightDecay: 0.5 }, { params: new Map([['dense.bias', b]]), lr: 0.1, weightDecay: 0 }], { clipNorm: 0 });
    const g = { [w.name]: tf.tensor2d([[0.2, 0.4]]), [b.name]: tf.tensor1d([-1]) };
    await opt.apply(g, 1);
    // Step 1: m̂ = g, v̂ = g², so the Adam step is g/(|g| + ε) = sign(g) (ε = 1e-6), plus wd·p for w.
    const eps = 1e-6;
    expect(Array.from(w.dataSync())[0]).toBeCloseTo(1 - 0.1 * (0.2 / (0.2 + eps) + 0.5 * 1), 6);
    expect(Array.from(w.dataSync())[1]).toBeCloseTo(-2 - 0.1 * (0.4 / (0.4 + eps) + 0.5 * -2), 6);
    expect(Array.from(b.dataSync())[0]).toBeCloseTo(0.5 + 0.1, 6);
    expect(decays('encoder.layer.0.attention.output.LayerNorm.weight')).toBe(false);
    expect(decays('classifier.bias')).toBe(false);
    expect(decays('encoder.layer.0.intermediate.dense.weight')).toBe(true);
    // Clipping: a gradient of norm 10 clipped to 1 moves m by the clipped gradient.
    const clipped = new AdamW([{ params: new Map([['x', w]]), lr: 0, weightDecay: 0 }], { clipNorm: 1 });
    const norm = await clipped.apply({ [w.name]: tf.tensor2d([[6, 8]]) }, 1);
    expect(norm).toBeCloseTo(10, 5);
    const [m] = [...(await clipped.state()).entries()].filter(([k]) => k.startsWith('m/'));
    expect(Array.from(m![1].data).map((x) => x / 0.1)).toEqual([expect.closeTo(0.6, 5), expect.closeTo(0.8, 5)]);
    opt.dispose();
    clipped.dispose();
    tf.dispose([w, b, ...Object.values(g)]);
  });

  it('warms the learning rate up linearly, then decays it linearly to 0', () => {
    expect(linearWarmupDecay(0.05, 0.1)).toBeCloseTo(0.5);
    expect(linearWarmupDecay(0.1, 0.1)).toBeCloseTo(1);
    expect(linearWarmupDecay(0.55, 0.1)).toBeCloseTo(0.5);
    expect(linearWarmupDecay(1, 0.1)).toBe(0);
  });
});

describe('lengths and batches', () => {
  it('takes the length limit from the data, capped at the model\'s', () => {
    const lengths = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(chooseMaxTokens(lengths, 512)).toBe(99);
    expect(chooseMaxTokens(lengths, 64)).toBe(64);
    expect(chooseMaxTokens([3, 4, 5], 512)).toBe(32);
  });

  it('puts every row in one batch, of at most batchSize texts and maxTokens padded tokens, sorted within a chunk', () => {
    const r = mulberry32(3);
    const len = Array.from({ length: 500 }, () => 2 + Math.floor(r() * 60));
    const order = Array.from({ length: 500 }, (_, i) => i);
    const batches = lengthBuckets(order, (i) => len[i]!, { batchSize: 16, maxTokens: 400, rand: r });
    expect(batches.flat().sort((a, b) => a - b)).toEqual(order);
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(16);
      expect(b.length === 1 || b.length * Math.max(...b.map((i) => len[i]!)) <= 400).toBe(true);
    }
    // Length-sorted batches pad far less than arbitrary ones.
    const padded = (bs: number[][]) => bs.reduce((s, b) => s + b.length * Math.max(...b.map((i) => len[i]!)), 0);
    const plain = Array.from({ length: Math.ceil(500 / 16) }, (_, i) => order.slice(i * 16, i * 16 + 16));
    expect(padded(batches)).toBeLessThan(0.7 * padded(plain));
  });

  it('makes same- and different-label pairs for the contrastive stage', () => {
    const y = Int32Array.from([0, 0, 1, 1, 1]);
    const pairs = contrastivePairs(y, 2, 1);
    expect(pairs).toHaveLength(2 * 2 * 5);
    for (const [a, b, t] of pairs) {
      expect(a).not.toBe(b);
      expect(y[a] === y[b]).toBe(t === 1);
    }
  });
});
