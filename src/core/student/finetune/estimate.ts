/**
 * How long fine-tuning will take on this machine, from one measured training step: the user sees
 * "about 12 min for 3 epochs of 1,200 texts" before starting, not after. For 'auto' it first makes
 * the training's backend choice (student.ts trainingBackend: a trial step of a few texts timed on
 * each candidate) and reports every candidate's time; the training then takes that choice
 * (`chosen`) instead of timing again. The step is a real one (a fresh copy of the model, the same
 * trainer and batch sizing as the training), on the batch of median size in the first epoch's length-bucketed batches; a first, untimed step
 * pays for shader compilation and kernel setup. The run's time is that step's time per padded
 * token times the padded tokens of every planned epoch, plus validation's forward passes (about a
 * third of a training step per token: no backward pass, no optimizer update). A SetFit stage
 * (contrastivePairs) adds its pair batches at a whole-body step's cost per token (timed apart when
 * the classifier trains only the top layers), and frozen lower layers one forward pass to cache.
 */
import { throwIfAborted } from '../../errors.js';
import type { LongOpOptions } from '../../progress.js';
import { withBackend, type BackendChoice, type BackendName, type BackendRequest } from '../backend.js';
import { studentHyper } from '../defaults.js';
import { mulberry32 } from '../random.js';
import type { StudentHyper } from '../spec.js';
import { labelSpace, trainingBackend, type LabeledTexts, type TransformerFeatures } from '../student.js';
import { epochPasses, type Labeled } from '../train.js';
import { PAIR_BATCH, stagePairs } from './contrastive.js';
import { transformer, typicalRows } from './kind.js';
import type { TokenRows } from './token-rows.js';
import { frozenLayers } from './trainer.js';

export interface TrainingEstimate {
  /** The backend the step ran on: the one the training takes (pass `choice` on as its `chosen`). */
  backend: BackendName;
  /**
   * For 'auto': ms of the trial step (`trialTexts` texts of typical length) on each backend timed,
   * null where it failed; empty for a backend the user named (or an untimed fallback alone).
   */
  timings: BackendChoice['timings'];
  trialTexts: number;
  /** The timed step: its texts, padded tokens and milliseconds. */
  step: { texts: number; tokens: number; ms: number };
  stepsPerEpoch: number;
  epochs: number;
  /** The SetFit stage before the classifier, when the run has one: its pair steps and their share of `seconds`. */
  contrastive?: { steps: number; seconds: number };
  trainTexts: number;
  valTexts: number;
  /** Every planned epoch run to the end (early stopping may end sooner). */
  seconds: number;
}

export interface EstimateOptions extends LongOpOptions {
  backend?: BackendRequest;
  hyper?: Partial<StudentHyper>;
  memoryBytes?: number;
}

/** Forward-only cost of a token relative to a training step's (validation scoring). */
const FORWARD_SHARE = 1 / 3;

function paddedTokens(batches: number[][], rows: TokenRows): number {
  return batches.reduce((n, b) => n + b.length * Math.max(...b.map((r) => rows.length(r))), 0);
}

/** The SetFit stage's padded tokens: each batch of pairs pads its first texts and its second texts apart. */
function contrastiveTokens(train: Labeled<TokenRows>, hyper: StudentHyper): { steps: number; tokens: number } {
  const pairs = stagePairs(train.y, hyper);
  let tokens = 0;
  for (let s = 0; s < pairs.length; s += PAIR_BATCH) {
    const batch = pairs.slice(s, s + PAIR_BATCH);
    tokens += batch.length * (Math.max(...batch.map((p) => train.x.length(p[0]))) + Math.max(...batch.map((p) => train.x.length(p[1]))));
  }
  return { steps: Math.ceil(pairs.length / PAIR_BATCH), tokens };
}

/** Measures one fine-tuning step of `features`' transformer on `train` and scales it to the whole run. */
export async function estimateFineTuning(train: LabeledTexts, val: LabeledTexts, features: TransformerFeatures, opts: EstimateOptions = {}): Promise<TrainingEstimate> {
  const hyper = studentHyper('transformer', opts.hyper);
  const labels = labelSpace(train);
  const spec = transformer.spec(train, labels, hyper, features);
  const index = new Map(labels.map((l, i) => [l, i]));
  const x = await transformer.featurize(train.texts, spec, features, {});
  const valX = await transformer.featurize(val.texts, spec, features, {});
  const trainX: Labeled<TokenRows> = { x, y: Int32Array.from(train.labels, (l) => index.get(l) ?? 0) };
  throwIfAborted(opts.signal);
  const { request, options } = trainingBackend(transformer, spec, features, trainX, opts);
  return withBackend(request, async ({ backend, timings }) => {
    const model = transformer.build(spec, features);
    const order = Array.from({ length: epochPasses(x.rows, hyper.batchSize) }, () => Array.from({ length: x.rows }, (_, i) => i)).flat();
    // Times `stepHyper`'s training step on the typical batch, after an untimed one (shader
    // compilation, kernel setup, and a cache of the frozen layers' outputs for that batch).
    const timeStep = async (stepHyper: StudentHyper) => {
      const trainer = transformer.trainer(model, trainX, { ...spec, hyper: stepHyper }, { memoryBytes: opts.memoryBytes });
      try {
        const batches = trainer.batches!(order, mulberry32(hyper.seed));
        const sized = [...batches].sort((a, b) => paddedTokens([a], x) - paddedTokens([b], x));
        const typical = sized[Math.floor(sized.length / 2)]!;
        await trainer.step(typical);
        throwIfAborted(opts.signal);
        const t0 = performance.now();
        await trainer.step(typical);
        const ms = performance.now() - t0;
        const tokens = paddedTokens([typical], x);
        return { batches, step: { texts: typical.length, tokens, ms }, msPerToken: ms / tokens };
      } finally {
        trainer.dispose();
      }
    };
    try {
      const { batches, step, msPerToken } = await timeStep(spec.hyper);
      const frozenLower = frozenLayers(spec.hyper, model.classifier.bert.config.numLayers) > 0;
      // A whole-body step's cost per token: validation's forward passes and the SetFit stage go
      // through every layer even when the classifier trains only the top ones.
      const wholeMsPerToken = frozenLower ? (await timeStep({ ...spec.hyper, trainLayers: undefined })).msPerToken : msPerToken;
      // Validation is scored in length-sorted batches: little padding, so its own lengths count.
      const epochMs = paddedTokens(batches, x) * msPerToken + valX.totalLength() * wholeMsPerToken * FORWARD_SHARE;
      const cacheMs = frozenLower ? x.totalLength() * wholeMsPerToken * FORWARD_SHARE : 0;
      const pairs = spec.hyper.contrastivePairs ? contrastiveTokens(trainX, spec.hyper) : undefined;
      const contrastiveMs = pairs ? pairs.tokens * wholeMsPerToken : 0;
      return {
        backend, timings, trialTexts: Object.keys(timings).length ? typicalRows(x).length : 0, step, stepsPerEpoch: batches.length, epochs: hyper.epochs,
        trainTexts: train.texts.length, valTexts: val.texts.length, seconds: (hyper.epochs * epochMs + cacheMs + contrastiveMs) / 1000,
        ...(pairs ? { contrastive: { steps: pairs.steps, seconds: contrastiveMs / 1000 } } : {}),
      };
    } finally {
      model.dispose();
    }
  }, options);
}
