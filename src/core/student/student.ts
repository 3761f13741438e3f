/**
 * One student pipeline: `trainStudent` for every kind of student. A kind says how the training
 * texts decide its spec (vocabulary, input length, encoder), how texts become its input rows, and
 * how its model is built; the rest is shared: the backend policy (backend.ts), per-example loss
 * weights and class balance, the training loop and early stopping (train.ts,
 * early-stopping.ts), and the record module that saves the result (record.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.js';
import { labelOrder } from '../dataset/labels.js';
import type { LongOpOptions } from '../progress.js';
import type { Encoder } from '../encode/encoder.js';
import { cachedEncode } from '../encode/cache.js';
import { wordStudentRule } from '../encode/token-ids.js';
import type { WordVectors } from '../encode/word-vectors.js';
import type { Store } from '../store/store.js';
import { withBackend, type BackendChoice, type BackendName, type BackendRequest } from './backend.js';
import { studentHyper } from './defaults.js';
import { buildMlp, buildWordPool } from './models.js';
import { STUDENT_FORMAT_VERSION, TOKENIZER_VERSION, type HeadSpec, type StudentHyper, type StudentKind, type StudentSpec, type WordPoolSpec } from './spec.js';
import { fitStudent, Trainer, type EpochReport, type FitResult, type LabeledMatrix, type Matrix } from './train.js';
import { buildVocab, chooseMaxTokens, encodeTexts, initialEmbeddings } from './vocab.js';

export interface LabeledTexts {
  texts: string[];
  labels: string[];
  /** Loss weight per text (default 1): a seed may count more than a teacher's example. */
  weights?: number[];
}

/**
 * What a kind of student reads besides the texts: the word-vector table that initialises the word
 * model's embedding, or the encoder whose vectors a head reads (cached in `cache` when given, so
 * a retrained round embeds only its new texts).
 */
export type StudentFeatures =
  | { kind: 'words'; wv: WordVectors }
  | { kind: 'vectors'; encoder: Encoder; cache?: Store };

export interface TrainStudentOptions extends LongOpOptions {
  /** Overrides of the kind's defaults (defaults.ts). */
  hyper?: Partial<StudentHyper>;
  /** 'loop' applies the distillation loop's overrides (defaults.ts). */
  purpose?: 'train' | 'loop';
  /** A backend by name, or 'auto' (default): the fastest of `candidates` on one timed step. */
  backend?: BackendRequest;
  candidates?: BackendName[];
  onEpoch?: (r: EpochReport) => void;
}

/** A student with its weights in memory: what predict.ts runs and record.ts saves. */
export interface Student {
  model: tf.LayersModel;
  spec: StudentSpec;
}

export interface TrainedStudent extends Student {
  fit: FitResult;
  backend: BackendChoice;
}

/** One kind of student: how data decides its spec, how texts become its input, how it is built. */
interface Kind<S extends StudentSpec> {
  spec(train: LabeledTexts, labels: string[], hyper: StudentHyper, features: StudentFeatures): S;
  featurize(texts: string[], spec: S, features: StudentFeatures | undefined, opts: LongOpOptions): Promise<Matrix>;
  build(spec: S, features: StudentFeatures): tf.LayersModel;
}

const wordpool: Kind<WordPoolSpec> = {
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

const mlp: Kind<HeadSpec> = {
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
  featurize(texts: string[], features: StudentFeatures | undefined, opts: LongOpOptions): Promise<Matrix>;
  build(features: StudentFeatures): tf.LayersModel;
}

function bind<S extends StudentSpec>(kind: Kind<S>, spec: S): BoundKind {
  return { featurize: (texts, features, opts) => kind.featurize(texts, spec, features, opts), build: (features) => kind.build(spec, features) };
}

function kindOf(spec: StudentSpec): BoundKind {
  switch (spec.kind) {
    case 'wordpool': return bind(wordpool, spec);
    case 'mlp': return bind(mlp, spec);
  }
}

function newSpec(kind: StudentKind, train: LabeledTexts, labels: string[], hyper: StudentHyper, features: StudentFeatures): StudentSpec {
  switch (kind) {
    case 'wordpool': return wordpool.spec(train, labels, hyper, features);
    case 'mlp': return mlp.spec(train, labels, hyper, features);
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

/** The kind a set of features trains: the word model from a word-vector table, a head from an encoder. */
export function kindFor(features: StudentFeatures): StudentKind {
  return features.kind === 'words' ? 'wordpool' : 'mlp';
}

/** Input rows for texts under a trained spec: the same path training used. */
export function featurize(texts: string[], spec: StudentSpec, features?: StudentFeatures, opts: LongOpOptions = {}): Promise<Matrix> {
  return kindOf(spec).featurize(texts, features, opts);
}

export function labelSpace(...sets: LabeledTexts[]): string[] {
  return labelOrder(sets.flatMap((s) => s.labels));
}

function labeled(x: Matrix, t: LabeledTexts, space: string[]): LabeledMatrix {
  const idx = new Map(space.map((l, i) => [l, i]));
  return { x, y: Int32Array.from(t.labels, (l) => idx.get(l) ?? -1), w: t.weights && Float32Array.from(t.weights) };
}

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
  const impl = kindOf(spec);
  const trainM = labeled(await impl.featurize(train.texts, features, opts), train, labels);
  const valM = labeled(await impl.featurize(val.texts, features, opts), val, labels);

  // The micro-benchmark for 'auto': one real training step of this model on one real batch.
  const step = async () => {
    const m = impl.build(features);
    const trainer = new Trainer(m, trainM, labels.length, hyper);
    try {
      await trainer.step(Array.from({ length: Math.min(hyper.batchSize, trainM.x.rows) }, (_, i) => i));
    } finally {
      trainer.dispose();
      m.dispose();
    }
  };
  return withBackend(opts.backend ?? 'auto', async (backend) => {
    const model = impl.build(features);
    try {
      const fit = await fitStudent(model, trainM, valM, labels, hyper, opts);
      return { model, spec, fit, backend };
    } catch (e) {
      model.dispose();
      throw e;
    }
  }, { step, candidates: opts.candidates });
}
