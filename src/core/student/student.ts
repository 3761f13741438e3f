/**
 * One student pipeline: `trainStudent` for every kind of student. A kind says how the training
 * texts decide its spec (vocabulary, input length, encoder), how texts become its input rows, and
 * how its model is built; the rest is shared: the backend policy (backend.ts), per-example loss
 * weights and class balance, the training loop and early stopping (train.ts,
 * early-stopping.ts), and the record module that saves the result (record.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.js';
import { labelOrder } from '../dataset/labels.js';
import type { LongOpOptions } from '../progress.js';
import type { Encoder } from '../encode/encoder.js';
import { cachedEncode } from '../encode/cache.js';
import { wordStudentRule } from '../encode/token-ids.js';
import type { WordVectors } from '../encode/word-vectors.js';
import type { Store } from '../store/store.js';
import { withBackend, type BackendChoice, type BackendJobRequest, type BackendName, type BackendOptions, type BackendRequest, type StepTrial } from './backend.js';
import { studentHyper } from './defaults.js';
import { storeCheckpoint } from './checkpoint.js';
import { FineTunedTransformer } from './finetune/model.js';
import type { TokenRows } from './finetune/token-rows.js';
import { transformer, type PretrainedTransformer } from './finetune/kind.js';
import { buildMlp, buildWordPool } from './models.js';
import { STUDENT_FORMAT_VERSION, TOKENIZER_VERSION, type HeadSpec, type StudentHyper, type StudentKind, type StudentSpec, type TransformerSpec, type WordPoolSpec } from './spec.js';
import { fitStudent, layersFitModel, Trainer, type EpochReport, type FitModel, type FitResult, type Labeled, type Matrix, type Rows, type StepReport, type StepTrainer } from './train.js';
import { buildVocab, chooseMaxTokens, encodeTexts, initialEmbeddings } from './vocab.js';

export interface LabeledTexts {
  texts: string[];
  labels: string[];
  /** Loss weight per text (default 1): a seed may count more than a teacher's example. */
  weights?: number[];
}

/**
 * What a kind of student reads besides the texts: the word-vector table that initialises the word
 * model's embedding, the encoder whose vectors a head reads (cached in `cache` when given, so
 * a retrained round embeds only its new texts), or the pretrained transformer a fine-tuned student
 * starts from (its files read, its weights still bytes: each training builds its own copy).
 */
export type StudentFeatures =
  | { kind: 'words'; wv: WordVectors }
  | { kind: 'vectors'; encoder: Encoder; cache?: Store }
  | { kind: 'transformer'; base: PretrainedTransformer };

export interface TrainStudentOptions extends LongOpOptions {
  /** Overrides of the kind's defaults (defaults.ts). */
  hyper?: Partial<StudentHyper>;
  /** 'loop' applies the distillation loop's overrides (defaults.ts). */
  purpose?: 'train' | 'loop';
  /**
   * A backend by name, or 'auto' (default): the fastest of `candidates` on one timed step. A
   * transformer times only webgpu, webgl and wasm (within `candidates`), on a few texts; cpu (a
   * step takes a minute) is its untimed fallback when none of them starts (finetune/kind.ts).
   */
  backend?: BackendRequest;
  candidates?: BackendName[];
  /**
   * For 'auto': the choice an earlier timing made (the Train step's estimate; the backend a
   * resumed run ran on), trained on without timing again while it still starts.
   */
  chosen?: BackendChoice;
  onEpoch?: (r: EpochReport) => void;
  /** After every optimizer step (steps/s, ETA): long trainings (the transformer) report here. */
  onStep?: (s: StepReport) => void;
  /** Training continues after `epoch` from a checkpoint (see `checkpoint`), whose epochs were `history`. */
  onResume?: (epoch: number, history: EpochReport[]) => void;
  /**
   * Save the training state after each epoch in `store` under `key`, and resume from it when one
   * is there (a killed or reloaded run continues instead of starting over). The key names the
   * job (a project's training, a loop round); a checkpoint of other data or settings under it is
   * not used. Deleted once the student is trained.
   */
  checkpoint?: { store: Store; key: string; projectId: string };
  /** Bytes a training batch's activations may take (the transformer's batch is sized by it). */
  memoryBytes?: number;
}

/** A student of a tfjs layers model (the word model and heads): saved with model.save, loaded with tf.loadLayersModel. */
export interface LayersStudent {
  model: tf.LayersModel;
  spec: WordPoolSpec | HeadSpec;
}

/** A fine-tuned transformer: its classifier, tokenizer and files (finetune/model.ts). */
export interface TransformerStudent {
  model: FineTunedTransformer;
  spec: TransformerSpec;
}

/** A student with its weights in memory: what predict.ts runs and record.ts saves. */
export type Student = LayersStudent | TransformerStudent;

export function isTransformerStudent(s: Student): s is TransformerStudent {
  return s.spec.kind === 'transformer';
}

/** How a student trained: its epochs and the backend that ran them. */
export interface Trained {
  fit: FitResult;
  backend: BackendChoice;
}

export type TrainedStudent = Student & Trained;

/** Whatever a kind's model is, it can be freed. */
interface Disposable { dispose(): void }

/**
 * One kind of student: how data decides its spec, how texts become its input rows `X`, how its
 * model `M` is built, read (scores, weights) and trained (its StepTrainer).
 */
export interface Kind<S extends StudentSpec, X extends Rows, M extends Disposable> {
  spec(train: LabeledTexts, labels: string[], hyper: StudentHyper, features: StudentFeatures): S;
  /** `model`: a trained student (a fine-tuned transformer tokenizes with its own files). */
  featurize(texts: string[], spec: S, features: StudentFeatures | undefined, opts: LongOpOptions, model?: M): Promise<X>;
  build(spec: S, features: StudentFeatures): M;
  fitModel(model: M): FitModel<X>;
  trainer(model: M, train: Labeled<X>, spec: S, opts: TrainStudentOptions): StepTrainer;
  /** The backend job that scores with a trained model (its weights may live on one backend). */
  backendFor(model: M): { request: BackendJobRequest; restore?: boolean };
  /** A stage before the epochs (the transformer's contrastive stage); not run when resuming. */
  prepare?(model: M, train: Labeled<X>, spec: S, opts: TrainStudentOptions): Promise<void>;
  /**
   * For 'auto': the backends its trial step is timed on, and those taken untimed when none of
   * them starts (default: every backend timed, no fallback).
   */
  autoBackends?: { timed: BackendName[]; fallback: BackendName[] };
  /** The rows of the trial step that times each backend (default: the first batch's worth). */
  trialRows?(train: Labeled<X>, spec: S): number[];
}

/** A tfjs layers model scores and trains the same way whatever kind made it. */
const layersModel = {
  fitModel: (m: tf.LayersModel) => layersFitModel(m),
  trainer: (m: tf.LayersModel, train: Labeled<Matrix>, spec: StudentSpec) => new Trainer(m, train, spec.labels.length, spec.hyper),
  backendFor: () => ({ request: 'current' as const }),
};

const wordpool: Kind<WordPoolSpec, Matrix, tf.LayersModel> = {
  ...layersModel,
  spec(train, labels, hyper, features) {
    const wv = wordVectors(features);
    const vocab = buildVocab(train.texts, wv);
    return {
      formatVersion: STUDENT_FORMAT_VERSION, kind: 'wordpool', labels, hyper,
      input: { tokenizer: TOKENIZER_VERSION, vocab: vocab.words, ids: wordStudentRule(chooseMaxTokens(train.texts)), init: `glove:${wv.header.sha256.bin.slice(0, 12)}` },
    };
  },
  async featurize(texts, spec) {
    const index = new Map(spec.input.vocab.map((w, i) => [w, i]));
    return { data: encodeTexts(texts, { index }, spec.input.ids), rows: texts.length, width: spec.input.ids.maxLen };
  },
  build(spec, features) {
    const wv = wordVectors(features);
    const vocab = spec.input.vocab;
    return buildWordPool({
      vocabSize: vocab.length, dim: wv.dim, maxTokens: spec.input.ids.maxLen, classes: spec.labels.length,
      embeddings: initialEmbeddings({ words: vocab, index: new Map() }, wv, spec.hyper.seed),
    }, spec.hyper);
  },
};

const mlp: Kind<HeadSpec, Matrix, tf.LayersModel> = {
  ...layersModel,
  spec(_train, labels, hyper, features) {
    return { formatVersion: STUDENT_FORMAT_VERSION, kind: 'mlp', labels, hyper, input: { encoder: encoderOf(features).spec } };
  },
  async featurize(texts, spec, features, opts) {
    const encoder = features && encoderOf(features);
    if (!encoder || encoder.id !== spec.input.encoder.id) {
      throw new Error(`student: this head reads vectors of ${spec.input.encoder.id}, not ${encoder?.id ?? 'no encoder'}`);
    }
    const cache = features?.kind === 'vectors' ? features.cache : undefined;
    const vecs = cache ? await cachedEncode(encoder, texts, cache, opts) : await encoder.encode(texts, opts);
    const dim = spec.input.encoder.dim;
    const data = new Float32Array(texts.length * dim);
    vecs.forEach((v, i) => data.set(v, i * dim));
    return { data, rows: texts.length, width: dim };
  },
  build(spec) {
    return buildMlp(spec.input.encoder.dim, spec.labels.length, spec.hyper);
  },
};

/** A spec's kind, bound to it: what every kind can do once its spec is known. */
interface BoundKind {
  /** Class scores for texts from a trained model, as one backend job. */
  scores(model: Disposable, texts: string[], features: StudentFeatures | undefined, opts: LongOpOptions): Promise<Float32Array[]>;
  /** Trains a new model of this spec (the backend job, early stopping, the checkpoint). */
  train(train: LabeledTexts, val: LabeledTexts, features: StudentFeatures, opts: TrainStudentOptions): Promise<{ model: Disposable; fit: FitResult; backend: BackendChoice }>;
}

function labeled<X extends Rows>(x: X, t: LabeledTexts, space: string[]): Labeled<X> {
  const idx = new Map(space.map((l, i) => [l, i]));
  return { x, y: Int32Array.from(t.labels, (l) => idx.get(l) ?? -1), w: t.weights && Float32Array.from(t.weights) };
}

function bind<S extends StudentSpec, X extends Rows, M extends Disposable>(kind: Kind<S, X, M>, spec: S): BoundKind {
  return {
    async scores(model, texts, features, opts) {
      const m = model as M;
      const x = await kind.featurize(texts, spec, features, opts, m);
      const { request, restore } = kind.backendFor(m);
      return withBackend(request, () => kind.fitModel(m).scores(x), { restore });
    },
    async train(train, val, features, opts) {
      const labels = spec.labels;
      const trainX = labeled(await kind.featurize(train.texts, spec, features, opts), train, labels);
      const valX = labeled(await kind.featurize(val.texts, spec, features, opts), val, labels);
      const checkpoint = opts.checkpoint && await storeCheckpoint(opts.checkpoint, { spec, train, val });
      const { request, options } = trainingBackend(kind, spec, features, trainX, opts);
      return withBackend(request, async (backend) => {
        const model = kind.build(spec, features);
        try {
          if (kind.prepare && !(await checkpoint?.load())) await kind.prepare(model, trainX, spec, opts);
          const fit = await fitStudent(kind.fitModel(model), trainX, valX, labels, spec.hyper, {
            signal: opts.signal, onProgress: opts.onProgress, onEpoch: opts.onEpoch, onStep: opts.onStep, onResume: opts.onResume,
            trainer: kind.trainer(model, trainX, spec, opts), checkpoint,
          });
          await checkpoint?.clear();
          return { model, fit, backend };
        } catch (e) {
          model.dispose();
          throw e;
        }
      }, options);
    },
  };
}

/**
 * The backend job a training of `kind` makes (and the estimate of it, finetune/estimate.ts, so
 * both choose alike): the backend named, or for 'auto' the fastest on the kind's trial step, one
 * real training step of a fresh model on a few real rows, timed on each candidate.
 */
export function trainingBackend<S extends StudentSpec, X extends Rows, M extends Disposable>(
  kind: Kind<S, X, M>, spec: S, features: StudentFeatures, trainX: Labeled<X>, opts: Pick<TrainStudentOptions, 'backend' | 'candidates' | 'chosen' | 'memoryBytes' | 'signal'>,
): { request: BackendJobRequest; options: BackendOptions } {
  const request = opts.backend ?? 'auto';
  if (request !== 'auto') return { request, options: {} };
  const rows = kind.trialRows?.(trainX, spec) ?? Array.from({ length: Math.min(spec.hyper.batchSize, trainX.x.rows) }, (_, i) => i);
  const trial = (): StepTrial => {
    const m = kind.build(spec, features);
    let trainer: StepTrainer;
    try {
      trainer = kind.trainer(m, trainX, spec, opts);
    } catch (e) {
      m.dispose();
      throw e;
    }
    return { step: async () => { await trainer.step(rows); }, dispose: () => { trainer.dispose(); m.dispose(); } };
  };
  const within = (bs: BackendName[]) => bs.filter((b) => !opts.candidates || opts.candidates.includes(b));
  const auto = kind.autoBackends;
  return {
    request,
    options: { trial, chosen: opts.chosen, signal: opts.signal, candidates: auto ? within(auto.timed) : opts.candidates, fallback: auto ? within(auto.fallback) : undefined },
  };
}

function kindOf(spec: StudentSpec): BoundKind {
  switch (spec.kind) {
    case 'wordpool': return bind(wordpool, spec);
    case 'mlp': return bind(mlp, spec);
    case 'transformer': return bind(transformer, spec);
  }
}

function newSpec(kind: StudentKind, train: LabeledTexts, labels: string[], hyper: StudentHyper, features: StudentFeatures): StudentSpec {
  switch (kind) {
    case 'wordpool': return wordpool.spec(train, labels, hyper, features);
    case 'mlp': return mlp.spec(train, labels, hyper, features);
    case 'transformer': return transformer.spec(train, labels, hyper, features);
  }
}

function wordVectors(f: StudentFeatures): WordVectors {
  if (f.kind !== 'words') throw new Error('student: the word model needs the word-vector table');
  return f.wv;
}

function encoderOf(f: StudentFeatures): Encoder {
  if (f.kind !== 'vectors') throw new Error('student: a head needs an encoder');
  return f.encoder;
}

/** The kind a set of features trains: the word model from a word-vector table, a head from an encoder, a fine-tuned transformer from a pretrained one. */
export function kindFor(features: StudentFeatures): StudentKind {
  return features.kind === 'words' ? 'wordpool' : features.kind === 'vectors' ? 'mlp' : 'transformer';
}

/** Class scores (one row per text, columns in spec.labels order) from a trained student, through the input path training used. */
export function studentScores(student: Student, texts: string[], features?: StudentFeatures, opts: LongOpOptions = {}): Promise<Float32Array[]> {
  return kindOf(student.spec).scores(student.model, texts, features, opts);
}

export function labelSpace(...sets: LabeledTexts[]): string[] {
  return labelOrder(sets.flatMap((s) => s.labels));
}

/** Features of the students that are tfjs layers models (the word model, heads). */
export type LayersFeatures = Exclude<StudentFeatures, { kind: 'transformer' }>;
/** The features of a fine-tuned transformer: the pretrained model it starts from. */
export type TransformerFeatures = Extract<StudentFeatures, { kind: 'transformer' }>;

/**
 * Trains a student of the kind `features` call for (kindFor), with early stopping on validation
 * macro-F1; resolves to the student holding its kept epoch's weights (early-stopping.ts).
 */
export async function trainStudent(train: LabeledTexts, val: LabeledTexts, features: LayersFeatures, opts?: TrainStudentOptions): Promise<LayersStudent & Trained>;
export async function trainStudent(train: LabeledTexts, val: LabeledTexts, features: TransformerFeatures, opts?: TrainStudentOptions): Promise<TransformerStudent & Trained>;
export async function trainStudent(train: LabeledTexts, val: LabeledTexts, features: StudentFeatures, opts?: TrainStudentOptions): Promise<TrainedStudent>;
export async function trainStudent(train: LabeledTexts, val: LabeledTexts, features: StudentFeatures, opts: TrainStudentOptions = {}): Promise<TrainedStudent> {
  const labels = labelSpace(train);
  if (labels.length < 2) {
    throw new UserError('one-class', `The training data has only one label (${labels[0] ?? 'none'}); a classifier needs at least two.`, 'Add examples of another label.');
  }
  const unknown = val.labels.filter((l) => !labels.includes(l));
  if (unknown.length) {
    throw new UserError('val-label-unknown', `The validation data has labels the training data lacks: ${[...new Set(unknown)].slice(0, 5).join(', ')}.`, 'Add training examples for them or remove them from validation.');
  }
  const kind = kindFor(features);
  const hyper = studentHyper(kind, opts.hyper, opts.purpose);
  const spec = newSpec(kind, train, labels, hyper, features);
  const { model, fit, backend } = await kindOf(spec).train(train, val, features, opts);
  // The kind built `model` for `spec`: the pair is one of Student's variants.
  return { model, spec, fit, backend } as TrainedStudent;
}
