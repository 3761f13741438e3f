/**
 * A student to a store record and back: the one model-to-record function (`toModelRecord`) and
 * the one record-to-model function (`loadModelRecord`). A record always holds the student's spec
 * with its weights, so it describes itself: what kind it is, its labels, how texts become its
 * input. `modelMeta` reads the meta of any record, including the shapes older versions wrote
 * (a format-1 spec; the old loop's head records that named their encoder by its cache id; bundles
 * imported before `imported` existed), so nothing a user has stored is lost.
 */
import * as tf from '@tensorflow/tfjs';
import type { InferenceSpec, InputSpec } from '../bundle/format.js';
import type { EncoderSpec, SentenceModelRef } from '../encode/encoder.js';
import { wordStudentRule } from '../encode/token-ids.js';
import { encoderByWeights } from '../models/catalog.js';
import type { ModelRecord } from '../store/store.js';
import { withBackend, type BackendName } from './backend.js';
import { STUDENT_DEFAULTS } from './defaults.js';
import { FineTunedTransformer, TRANSFORMER_BACKENDS, type TransformerFiles } from './finetune/model.js';
import type { ImportedModel, LegacyModelMeta, ModelMeta } from './model-meta.js';
import { STUDENT_FORMAT_VERSION, TOKENIZER_VERSION, type StudentHyper, type StudentSpec } from './spec.js';
import { isTransformerStudent, type Student } from './student.js';

export type { ModelMeta } from './model-meta.js';

/** The model's topology and weights as tfjs ModelArtifacts parts, kept in `ModelRecord.modelJson` + `weights`. */
interface LayersArtifacts {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
}

/**
 * `ModelRecord.modelJson` of a fine-tuned transformer: the model's files beside its weights
 * (`ModelRecord.weights`: one safetensors file, body and head), so it loads with nothing else.
 */
export const TRANSFORMER_RECORD_FORMAT = 'distillery-transformer';

export async function toModelRecord(student: Student, at: { id: string; projectId: string; runId?: string }, extra: Omit<ModelMeta, 'spec'> = {}): Promise<ModelRecord> {
  if (isTransformerStudent(student)) {
    const bytes = await student.model.safetensors();
    return {
      ...at, createdAt: new Date().toISOString(), meta: { spec: student.spec, ...extra },
      modelJson: { format: TRANSFORMER_RECORD_FORMAT, files: student.model.files },
      weights: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    };
  }
  let saved: tf.io.ModelArtifacts | undefined;
  await student.model.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  const data = saved!.weightData!;
  const meta: ModelMeta = { spec: student.spec, ...extra };
  return {
    ...at, createdAt: new Date().toISOString(), meta,
    modelJson: { modelTopology: saved!.modelTopology, weightSpecs: saved!.weightSpecs, format: 'layers-model' },
    weights: Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data,
  };
}

/** The record's topology and weight specs, whichever of the two layouts it was saved in. */
export function layersArtifacts(record: ModelRecord): LayersArtifacts {
  const j = record.modelJson as { modelTopology?: object; weightSpecs?: tf.io.WeightsManifestEntry[]; weightsManifest?: { weights: tf.io.WeightsManifestEntry[] }[] };
  return {
    modelTopology: j.modelTopology ?? j,
    // An imported bundle's model.json lists its weights in groups (weightsManifest).
    weightSpecs: j.weightSpecs ?? j.weightsManifest?.flatMap((g) => g.weights) ?? [],
  };
}

/** The files a transformer record keeps beside its weights. */
export function transformerFiles(record: Pick<ModelRecord, 'modelJson'>): TransformerFiles {
  const j = record.modelJson as { format?: string; files?: TransformerFiles };
  if (j.format !== TRANSFORMER_RECORD_FORMAT || !j.files) throw new Error('model record: a transformer student without its files');
  return j.files;
}

/**
 * The backends a stored transformer is loaded on, in order: the one it trained on first (the timed
 * choice of its training: on an emulated GPU that is wasm, where WebGPU, first by default, scores
 * MiniLM tens of times slower), then TRANSFORMER_BACKENDS. A forward pass has the same operations
 * as the training step that was timed, so the fastest there is the fastest guess here.
 */
export function loadBackendsOf(meta: Pick<ModelMeta, 'training'>): BackendName[] {
  const trained = meta.training?.backend;
  return trained ? [trained, ...TRANSFORMER_BACKENDS.filter((b) => b !== trained)] : TRANSFORMER_BACKENDS;
}

/**
 * The student a record holds. A fine-tuned transformer is made on the first backend of
 * `loadBackendsOf` that starts (`backends` to choose others), and runs there.
 */
export async function loadModelRecord(record: ModelRecord, opts: { backends?: BackendName[] } = {}): Promise<Student & { meta: ModelMeta }> {
  const meta = modelMeta(record);
  const spec = meta.spec;
  if (spec.kind === 'transformer') {
    const files = transformerFiles(record);
    const model = await withBackend(opts.backends ?? loadBackendsOf(meta), async () => FineTunedTransformer.fromCheckpoint(files, new Uint8Array(record.weights), {
      classes: spec.labels.length, pooling: spec.input.pooling, maxTokens: spec.input.maxTokens,
    }));
    return { model, spec, meta };
  }
  const { modelTopology, weightSpecs } = layersArtifacts(record);
  const model = await withBackend('current', () => tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData: record.weights })));
  return { model, spec, meta };
}

// ---- reading older records -------------------------------------------------------------------

type Rec = Record<string, unknown>;
const rec = (x: unknown): Rec => (x && typeof x === 'object' ? (x as Rec) : {});

/** The record's meta as this version types it. */
export function modelMeta(record: Pick<ModelRecord, 'meta'>): ModelMeta {
  const m: ModelMeta | LegacyModelMeta = record.meta;
  if (isCurrent(m)) return m;
  const legacy = rec(m);
  const metrics = legacy.metrics as ModelMeta['metrics'];
  const rest = { metrics, mistakes: legacy.mistakes as ModelMeta['mistakes'], training: legacy.training as ModelMeta['training'] };
  const bundle = rec(legacy.bundle);
  if (bundle.inference) {
    const imported: ImportedModel = { fileName: String(legacy.importedFrom ?? 'bundle'), inference: bundle.inference as InferenceSpec, vocab: bundle.vocab as string[] | undefined, student: (bundle.student ?? null) as ImportedModel['student'] };
    return { ...rest, spec: importedSpec(imported), imported };
  }
  const spec = rec(legacy.spec);
  if (spec.formatVersion === 1) return { ...rest, spec: fromFormat1(spec) };
  if (typeof legacy.encoder === 'string') {
    // The old loop head: `{kind: 'head', hidden, labels, encoder: <cache id>, dim}`.
    const hidden = typeof legacy.hidden === 'number' && legacy.hidden > 0 ? [legacy.hidden] : [];
    return { ...rest, spec: { formatVersion: STUDENT_FORMAT_VERSION, kind: 'mlp', labels: legacy.labels as string[], hyper: { ...STUDENT_DEFAULTS.mlp, hidden }, input: { encoder: encoderFromId(legacy.encoder, Number(legacy.dim)) } } };
  }
  throw new Error('model record: its meta names no student spec');
}

function isCurrent(m: ModelMeta | LegacyModelMeta): m is ModelMeta {
  return rec(rec(m).spec).formatVersion === STUDENT_FORMAT_VERSION;
}

/** A format-1 spec: `{encoder: {kind, id, dim}, student: {kind, hyper}, preprocessing: {tokenizer, maxTokens, vocab}}`. */
function fromFormat1(s: Rec): StudentSpec {
  const encoder = rec(s.encoder);
  const hyper = rec(s.student).hyper as StudentHyper;
  const pre = rec(s.preprocessing);
  const labels = s.labels as string[];
  if (encoder.kind === 'glove') {
    return {
      formatVersion: STUDENT_FORMAT_VERSION, kind: 'wordpool', labels, hyper,
      input: { tokenizer: TOKENIZER_VERSION, vocab: pre.vocab as string[], ids: wordStudentRule(Number(pre.maxTokens)), init: String(encoder.id) },
    };
  }
  return { formatVersion: STUDENT_FORMAT_VERSION, kind: 'mlp', labels, hyper, input: { encoder: encoderFromId(String(encoder.id), Number(encoder.dim)) } };
}

/**
 * An encoder named by the cache id older records kept instead of a description:
 * `glove:<sha prefix>:<rows>:<pooling>`, `bert:<weights sha prefix>:<pooling>[-l2]:<max tokens>` (the
 * TF.js encoder) or `st:<hub|url|local|files>:<model>:<dtype>` (the retired transformers.js one).
 */
function encoderFromId(id: string, dim: number): EncoderSpec {
  const glove = /^glove:([0-9a-f]+):(\d+):(mean|mean-max)$/.exec(id);
  if (glove) {
    const pooling = glove[3] as 'mean' | 'mean-max';
    return { kind: 'glove-pool', id, dim, pooling, table: { sha256: glove[1], rows: Number(glove[2]), dim: pooling === 'mean' ? dim : dim / 2 } };
  }
  const bert = /^bert:([0-9a-f]{16}):(mean|cls)(-l2)?:(\d+)$/.exec(id);
  if (bert) {
    // Written by this version's TF.js encoder into a loop head's meta before the spec carried it.
    const known = encoderByWeights(bert[1]!);
    const model: SentenceModelRef = known?.hub ? { from: 'hub', model: known.hub.repo, revision: known.hub.revision } : { from: 'local', fingerprint: bert[1]! };
    return { kind: 'sentence', id, dim, model, weightsSha256: bert[1]!, pooling: bert[2] as 'mean' | 'cls', normalize: !!bert[3], maxTokens: Number(bert[4]) };
  }
  const st = /^st:(hub|url|local|files):(.+):(fp32|fp16|q8)$/.exec(id);
  if (!st) throw new Error(`model record: unknown encoder id '${id}'`);
  let model: SentenceModelRef;
  if (st[1] === 'hub') {
    const at = st[2].lastIndexOf('@');
    model = at > 0 ? { from: 'hub', model: st[2].slice(0, at), revision: st[2].slice(at + 1) } : { from: 'hub', model: st[2], revision: 'main' };
  } else if (st[1] === 'url') {
    model = { from: 'url', url: st[2] };
  } else {
    model = { from: st[1] as 'local' | 'files', fingerprint: st[2] };
  }
  return { kind: 'retired-onnx', id, dim, model, dtype: st[3], maxTokens: 256 };
}

/** The spec of a model that came in a bundle, from its inference.json (a Distillery bundle's own spec where it has one). */
export function importedSpec(imported: ImportedModel): StudentSpec {
  const own = imported.student?.spec;
  if (rec(own).formatVersion === STUDENT_FORMAT_VERSION) return own as StudentSpec;
  const { inference, vocab } = imported;
  const labels = inference.labels;
  const input = inference.input;
  if (input.kind === 'token-ids') {
    const { kind: _k, vocabFile: _f, vocabSize: _s, ...ids } = input;
    return { formatVersion: STUDENT_FORMAT_VERSION, kind: 'wordpool', labels, hyper: STUDENT_DEFAULTS.wordpool, input: { tokenizer: TOKENIZER_VERSION, vocab: vocab ?? [], ids, init: 'imported' } };
  }
  if (input.kind === 'transformer') {
    const b = input.base;
    const local = /^local:([0-9a-f]+)$/.exec(b.model);
    const model: SentenceModelRef = local ? { from: 'local', fingerprint: local[1]! } : { from: 'hub', model: b.model, revision: b.revision };
    return {
      formatVersion: STUDENT_FORMAT_VERSION, kind: 'transformer', labels, hyper: STUDENT_DEFAULTS.transformer,
      input: { base: { name: b.name, model, weightsSha256: b.weightsSha256, ...(b.license ? { license: b.license } : {}), parameters: b.parameters }, maxTokens: input.maxTokens, pooling: input.pooling },
    };
  }
  const encoder: EncoderSpec = input.kind === 'word-vectors-pool'
    ? { kind: 'glove-pool', id: `imported:${input.vectorsFile}`, dim: input.pooling === 'mean' ? input.dim : 2 * input.dim, pooling: input.pooling, table: { sha256: '', rows: input.vocabSize, dim: input.dim } }
    : sentenceInputEncoder(input);
  return { formatVersion: STUDENT_FORMAT_VERSION, kind: 'mlp', labels, hyper: STUDENT_DEFAULTS.mlp, input: { encoder } };
}

/** The encoder of a sentence-embedding bundle, as its inference.json names it. */
function sentenceInputEncoder(input: Extract<InputSpec, { kind: 'sentence-embedding' }>): EncoderSpec {
  const local = /^local:([0-9a-f]+)$/.exec(input.model);
  const model: SentenceModelRef = local ? { from: 'local', fingerprint: local[1]! } : { from: 'hub', model: input.model, revision: input.revision };
  const id = `imported:${input.model}`;
  if (!input.weightsSha256) return { kind: 'retired-onnx', id, dim: input.dim, model, dtype: input.dtype ?? 'fp32', maxTokens: input.maxTokens };
  return { kind: 'sentence', id, dim: input.dim, model, weightsSha256: input.weightsSha256, pooling: input.pooling, normalize: input.normalize, maxTokens: input.maxTokens };
}
