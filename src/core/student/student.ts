/**
 * One call from labeled texts to a trained student + its spec: builds the vocabulary (word path)
 * or takes sentence vectors (MLP path), picks the backend, fits, and reports per epoch.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.js';
import { labelOrder } from '../dataset/labels.js';
import type { LongOpOptions } from '../progress.js';
import type { Encoder } from '../encode/encoder.js';
import type { WordVectors } from '../encode/word-vectors.js';
import { chooseBackend, type BackendChoice, type BackendName } from './backend.js';
import { buildMlp, buildWordPool } from './models.js';
import { STUDENT_FORMAT_VERSION, TOKENIZER_VERSION, type StudentHyper, type StudentSpec } from './spec.js';
import { classWeights, DEFAULT_HYPER, fitStudent, Trainer, type EpochReport, type FitResult, type LabeledMatrix, type Matrix } from './train.js';
import { buildVocab, chooseMaxTokens, encodeTexts, initialEmbeddings } from './vocab.js';

export interface LabeledTexts {
  texts: string[];
  labels: string[];
}

export type StudentFeatures = { kind: 'glove'; wv: WordVectors } | { kind: 'sentence'; encoder: Encoder };

export interface TrainStudentOptions extends LongOpOptions {
  hyper?: Partial<StudentHyper>;
  backend?: BackendName;
  /** Backends the automatic choice may time (default: all this runtime has). */
  candidates?: BackendName[];
  onEpoch?: (r: EpochReport) => void;
}

export interface TrainedStudent {
  model: tf.LayersModel;
  spec: StudentSpec;
  fit: FitResult;
  backend: BackendChoice;
}

export function labelSpace(...sets: LabeledTexts[]): string[] {
  return labelOrder(sets.flatMap((s) => s.labels));
}

/** Features for texts under a trained spec: the same path training used. */
export async function featurize(texts: string[], spec: StudentSpec, features: StudentFeatures, opts: LongOpOptions = {}): Promise<Matrix> {
  if (spec.encoder.kind === 'glove') {
    const vocab = spec.preprocessing.vocab!;
    const index = new Map(vocab.map((w, i) => [w, i]));
    return { data: encodeTexts(texts, { words: vocab, index }, spec.preprocessing.maxTokens), rows: texts.length, width: spec.preprocessing.maxTokens };
  }
  if (features.kind !== 'sentence') throw new Error('an MLP student needs its sentence encoder');
  const vecs = await features.encoder.encode(texts, opts);
  const data = new Float32Array(texts.length * spec.encoder.dim);
  vecs.forEach((v, i) => data.set(v, i * spec.encoder.dim));
  return { data, rows: texts.length, width: spec.encoder.dim };
}

function labelIds(labels: string[], space: string[]): Int32Array {
  const idx = new Map(space.map((l, i) => [l, i]));
  return Int32Array.from(labels, (l) => idx.get(l) ?? -1);
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
  const hyper: StudentHyper = { ...DEFAULT_HYPER, ...(features.kind === 'sentence' ? { hidden: [256], dropout: 0.3 } : {}), ...opts.hyper };

  const spec: StudentSpec = features.kind === 'glove'
    ? (() => {
      const vocab = buildVocab(train.texts, features.wv);
      return {
        formatVersion: STUDENT_FORMAT_VERSION, labels,
        encoder: { kind: 'glove', id: `glove:${features.wv.header.sha256.bin.slice(0, 12)}`, dim: features.wv.dim },
        student: { kind: 'wordpool', hyper },
        preprocessing: { tokenizer: TOKENIZER_VERSION, maxTokens: chooseMaxTokens(train.texts), vocab: vocab.words },
      } satisfies StudentSpec;
    })()
    : {
      formatVersion: STUDENT_FORMAT_VERSION, labels,
      encoder: { kind: 'sentence', id: features.encoder.id, dim: features.encoder.dim },
      student: { kind: 'mlp', hyper },
      preprocessing: { tokenizer: 'none', maxTokens: 0 },
    };

  const trainM: LabeledMatrix = { x: await featurize(train.texts, spec, features, opts), y: labelIds(train.labels, labels) };
  const valM: LabeledMatrix = { x: await featurize(val.texts, spec, features, opts), y: labelIds(val.labels, labels) };

  const build = () => spec.student.kind === 'wordpool' && features.kind === 'glove'
    ? buildWordPool({
      vocabSize: spec.preprocessing.vocab!.length, dim: features.wv.dim, maxTokens: spec.preprocessing.maxTokens,
      classes: labels.length, embeddings: initialEmbeddings({ words: spec.preprocessing.vocab!, index: new Map() }, features.wv, hyper.seed),
    }, hyper)
    : buildMlp(spec.encoder.dim, labels.length, hyper);

  // The micro-benchmark: one real training step of this model on one real batch.
  const backend = await chooseBackend(async () => {
    const m = build();
    const trainer = new Trainer(m, labels.length, hyper, classWeights(trainM.y, labels.length));
    try {
      await trainer.step(trainM.x, trainM.y, Array.from({ length: Math.min(hyper.batchSize, trainM.x.rows) }, (_, i) => i));
    } finally {
      trainer.dispose();
      m.dispose();
    }
  }, { override: opts.backend, candidates: opts.candidates });

  const model = build();
  try {
    const fit = await fitStudent(model, trainM, valM, labels, hyper, opts);
    return { model, spec, fit, backend };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
