/**
 * The fine-tuned transformer as a kind of student (student.ts `Kind`): what its spec records, how
 * texts become its input (word pieces at the student's own length limit), how its model is built
 * (a fresh copy of the pretrained weights plus a new head, so every training starts from the
 * pretrained model) and trained (finetune/trainer.ts, driven by the shared fitStudent).
 */
import { sentenceModelRef } from '../../encode/transformer-encoder.js';
import { encoderByWeights } from '../../models/catalog.js';
import { Bert } from '../../transformer/bert.js';
import { BertClassifier } from '../../transformer/classifier.js';
import type { SentenceTransformerFiles } from '../../transformer/load.js';
import { readSafetensors } from '../../transformer/safetensors.js';
import { BertTokenizer } from '../../transformer/tokenizer.js';
import { transformerHyperFor } from '../defaults.js';
import { STUDENT_FORMAT_VERSION, type TransformerSpec } from '../spec.js';
import type { Kind, StudentFeatures } from '../student.js';
import { epochPasses } from '../train.js';
import { contrastiveStage } from './contrastive.js';
import type { BackendName } from '../backend.js';
import { FineTunedTransformer, TRANSFORMER_BACKENDS } from './model.js';
import { chooseMaxTokens, TokenRows } from './token-rows.js';
import { FineTuneTrainer } from './trainer.js';

export { TRANSFORMER_BACKENDS };

/**
 * The pretrained model a fine-tuned student starts from: its folder read and checked
 * (transformer/load.ts readSentenceTransformer), its weights still bytes.
 */
export type PretrainedTransformer = SentenceTransformerFiles;


/**
 * Bytes one forward + backward pass may take for its activations when the caller does not say:
 * 1 GiB holds ~14 MiniLM texts of 32 word pieces or ~4 of 100 (trainer.ts trainingBytesPerToken);
 * a batch of 32 runs as that many micro-batches, summing gradients. It stays well inside the 4 GiB
 * a wasm backend can address and the memory of a modest GPU.
 */
export const DEFAULT_TRAINING_MEMORY = 2 ** 30;

/** Bytes the frozen lower layers' cached outputs may take (trainLayers below the model's depth). */
export const DEFAULT_CACHE_BYTES = 2 ** 30;

/**
 * Where fine-tuning runs for 'auto': no fixed order is right everywhere (Chromium on this 2-core
 * machine, MiniLM examples/s: wasm 11.4, webgl 1.14, cpu 0.79, webgpu 0.12 on SwiftShader's
 * emulated GPU; on a real GPU webgpu is fastest), so one trial step is timed on each of webgpu,
 * webgl and wasm that starts. cpu is not timed (its step of MiniLM takes a minute): it is taken
 * only when none of the others starts. In Node (the CLI, `distillery run`) wasm is the only timed
 * candidate, so 'auto' is wasm, else cpu, as first-that-starts would be. Its trial (a fresh model
 * and two steps of 4 texts: 2.9 s in all for MiniLM in Node here, the timed step 0.93 s) is kept
 * rather than a Node-only rule: it is cheap beside a run of minutes, one rule holds everywhere,
 * and a wasm that cannot run the step still falls back to cpu.
 */
export const TRANSFORMER_AUTO: { timed: BackendName[]; fallback: BackendName[] } = { timed: ['webgpu', 'webgl', 'wasm'], fallback: ['cpu'] };

/**
 * Texts in the trial step that times each backend: a few, so the trial is cheap where the run is
 * not, but a batch (a GPU's lead grows with the batch; one text would favour wasm most). Measured
 * on MiniLM in Chromium on this 2-core machine, 4 short SST-2 sentences, ms of the warm-up step +
 * the timed one: wasm 1,295 + 873, webgl (SwiftShader) 13,060 + 5,384, webgpu (SwiftShader)
 * 96,302 + 53,155; with 2 texts webgpu still took 56,125 + 40,409 (the step's fixed cost, the
 * optimizer over every weight, dominates there). An emulated GPU's trial thus takes minutes; it
 * is not cut short after a slow warm-up, since a real GPU's first step can be mostly shader
 * compilation and its steps then the fastest.
 */
export const TRIAL_TEXTS = 4;

/** The trial step's rows: the TRIAL_TEXTS texts nearest the median length (the run's typical text). */
export function typicalRows(x: TokenRows, n = TRIAL_TEXTS): number[] {
  const byLength = Array.from({ length: x.rows }, (_, i) => i).sort((a, b) => x.length(a) - x.length(b) || a - b);
  const from = Math.max(0, Math.min(byLength.length - n, Math.floor(byLength.length / 2) - Math.floor(n / 2)));
  return byLength.slice(from, from + n);
}

function base(features: StudentFeatures | undefined): PretrainedTransformer {
  if (features?.kind !== 'transformer') throw new Error('student: a fine-tuned transformer needs its pretrained model');
  return features.base;
}

const tokenizers = new WeakMap<PretrainedTransformer, Map<number, BertTokenizer>>();

/** The base model's tokenizer cutting texts at `maxTokens` (one per length, kept with the base). */
function tokenizerAt(b: PretrainedTransformer, maxTokens: number): BertTokenizer {
  let byLength = tokenizers.get(b);
  if (!byLength) tokenizers.set(b, (byLength = new Map()));
  let t = byLength.get(maxTokens);
  if (!t) byLength.set(maxTokens, (t = new BertTokenizer(b.files.tokenizer as object, b.files.tokenizerConfig as object, maxTokens, b.config.padTokenId)));
  return t;
}

function parameterCount(b: PretrainedTransformer, classes: number): number {
  const c = b.config;
  return Bert.weightNames(c).reduce((n, name) => n + Bert.weightShape(c, name).reduce((a, x) => a * x, 1), 0) + (c.hiddenSize + 1) * classes;
}

export const transformer: Kind<TransformerSpec, TokenRows, FineTunedTransformer> = {
  spec(train, labels, hyper, features) {
    const b = base(features);
    // Lengths under the model's own limit (the base tokenizer cuts there): the quantile is capped at it anyway.
    const maxTokens = chooseMaxTokens(train.texts.map((t) => b.tokenizer.encode(t).ids.length), b.sentence.maxTokens);
    const known = encoderByWeights(b.weightsSha256);
    return {
      formatVersion: STUDENT_FORMAT_VERSION, kind: 'transformer', labels, hyper: transformerHyperFor(hyper, train.texts.length, labels.length),
      input: {
        base: {
          name: known?.id ?? `BERT ${b.weightsSha256.slice(0, 16)}`, model: sentenceModelRef(b), weightsSha256: b.weightsSha256,
          ...(known ? { license: known.license } : {}), parameters: parameterCount(b, labels.length),
        },
        maxTokens, pooling: b.sentence.pooling,
      },
    };
  },
  async featurize(texts, spec, features, _opts, model) {
    if (model) return model.encode(texts);
    const b = base(features);
    return TokenRows.encode(texts, tokenizerAt(b, spec.input.maxTokens), b.config.vocabSize);
  },
  build(spec, features) {
    const b = base(features);
    const classifier = BertClassifier.fromTensors(b.config, readSafetensors(b.weights), { pooling: spec.input.pooling, classes: spec.labels.length, seed: spec.hyper.seed });
    return new FineTunedTransformer(classifier, tokenizerAt(b, spec.input.maxTokens), { config: b.files.config, tokenizer: b.files.tokenizer, tokenizerConfig: b.files.tokenizerConfig });
  },
  fitModel: (m) => ({ scores: (x) => m.scores(x), getWeights: () => m.getWeights(), setWeights: (w) => m.setWeights(w) }),
  trainer(m, train, spec, opts) {
    const { hyper } = spec;
    return new FineTuneTrainer(m, train, spec.labels.length, hyper, {
      plannedExamples: hyper.epochs * epochPasses(train.x.rows, hyper.batchSize) * train.x.rows,
      memoryBytes: opts.memoryBytes ?? DEFAULT_TRAINING_MEMORY, cacheBytes: DEFAULT_CACHE_BYTES,
    });
  },
  backendFor: (m) => ({ request: m.backend, restore: true }),
  autoBackends: TRANSFORMER_AUTO,
  trialRows: (train) => typicalRows(train.x),
  async prepare(m, train, spec, opts) {
    if (spec.hyper.contrastivePairs) await contrastiveStage(m, train, spec.hyper, opts);
  },
};
