import { DEFAULT_VECTORS, loadWordVectors, type VectorSource } from '../encode/word-vectors.js';
import { UserError } from '../errors.js';
import { MINILM } from '../models/catalog.js';
import type { BundleInput } from './export.js';
import type { InferenceSpec, InputSpec } from './format.js';

/**
 * Translates the core's StudentSpec (kept in ModelRecord.meta.spec by the student module) into
 * the bundle's InputSpec, and gathers the files that input needs (the word-vector table for
 * GloVe students). This is the one place that knows both shapes.
 */

export interface DescribedStudent {
  labels?: string[];
  input: InputSpec;
  output: 'softmax' | 'logits';
  vocab?: string[];
  vectors?: Uint8Array;
  student: BundleInput['student'];
}

type Rec = Record<string, unknown>;
const rec = (x: unknown): Rec => (x && typeof x === 'object' ? (x as Rec) : {});
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

async function wordTable(vectors: VectorSource | undefined, name: string): Promise<{ vocab: string[]; bin: Uint8Array; dim: number; sha: string }> {
  if (!vectors) throw new UserError('bundle-no-vectors', 'The word vectors this student was trained with are not available, so the bundle cannot include them.', 'Build them with `npm run build:vectors`, or reload the app.');
  const wv = await loadWordVectors(vectors, name);
  return { vocab: wv.words, bin: await vectors.read(wv.header.files.bin), dim: wv.dim, sha: wv.header.sha256.bin };
}

/** A student imported from a bundle: its inference spec is kept as it came. */
async function fromImported(b: Rec, vectors?: VectorSource): Promise<DescribedStudent> {
  const inference = b.inference as InferenceSpec;
  const st = rec(b.student);
  const described: DescribedStudent = {
    labels: inference.labels,
    input: inference.input,
    output: inference.output,
    student: { kind: str(st.kind) ?? 'unknown', hyperparameters: rec(st.hyperparameters), spec: st.spec ?? null },
  };
  if (inference.input.kind === 'token-ids') described.vocab = b.vocab as string[];
  if (inference.input.kind === 'word-vectors-pool') {
    const table = await wordTable(vectors, DEFAULT_VECTORS);
    if (table.vocab.length !== inference.input.vocabSize || table.dim !== inference.input.dim) {
      throw new UserError('bundle-other-vectors', 'This student was trained with a different word-vector table than the one this app has.', 'Export it from the Distillery that trained it.');
    }
    Object.assign(described, { vocab: table.vocab, vectors: table.bin });
  }
  return described;
}

/**
 * A head over frozen embeddings whose meta names its encoder by the encoder's cache id (the
 * loop's student: `glove:<table sha>:<rows>:<pooling>`, `bert:<weights sha256 prefix>:<pooling>[-l2]:<max
 * tokens>` for the TF.js sentence encoder; `st:hub:<model>@<revision>:<dtype>`, `st:url:…`,
 * `st:local:…` for models trained with the retired transformers.js encoder).
 */
async function fromEncoderId(meta: Rec, id: string, vectors?: VectorSource): Promise<DescribedStudent> {
  const labels = Array.isArray(meta.labels) ? (meta.labels as string[]) : undefined;
  const { labels: _l, encoder: _e, dim: _d, kind, ...hyperparameters } = meta;
  const student = { kind: str(kind) ?? 'head', hyperparameters, spec: null };
  const glove = /^glove:([0-9a-f]+):(\d+):(mean|mean-max)$/.exec(id);
  if (glove) {
    const table = await wordTable(vectors, DEFAULT_VECTORS);
    if (!table.sha.startsWith(glove[1]) || table.vocab.length !== Number(glove[2])) {
      throw new UserError('bundle-other-vectors', `This student was trained with another word-vector table (${id}) than the one here.`,
        'Export it where it was trained, or rebuild the same vectors (`npm run build:vectors`).');
    }
    return {
      labels, output: 'softmax', student, vocab: table.vocab, vectors: table.bin,
      input: { kind: 'word-vectors-pool', vocabFile: 'vocab.txt', vectorsFile: 'vectors.bin', vocabSize: table.vocab.length, dim: table.dim, pooling: glove[3] as 'mean' | 'mean-max' },
    };
  }
  const bert = /^bert:([0-9a-f]{16}):(mean|cls)(-l2)?:(\d+)$/.exec(id);
  if (bert) {
    // A known model is named by its hub repository; a picked folder by its weights alone.
    const known = MINILM.files.find((f) => f.path === 'model.safetensors')!.sha256.startsWith(bert[1]!);
    return {
      labels, output: 'softmax', student,
      input: {
        kind: 'sentence-embedding', model: known ? MINILM.hub!.repo : `local:${bert[1]}`, revision: known ? MINILM.hub!.revision : 'none',
        dim: num(meta.dim) ?? 0, pooling: bert[2] as 'mean' | 'cls', normalize: !!bert[3], maxTokens: Number(bert[4]), weightsSha256: bert[1],
      },
    };
  }
  const st = /^st:(hub|url|local):(.+):(fp32|fp16|q8)$/.exec(id);
  if (st) {
    let model = st[2];
    let revision = 'main';
    if (st[1] === 'hub') {
      const at = model.lastIndexOf('@');
      if (at > 0) { revision = model.slice(at + 1); model = model.slice(0, at); }
    } else if (st[1] === 'local') {
      // A folder on the trainer's disk: the bundle names it; load() takes `encoderModel` to point at a copy.
      model = `local:${model}`;
    }
    return {
      labels, output: 'softmax', student,
      input: { kind: 'sentence-embedding', model, revision, dim: num(meta.dim) ?? 0, pooling: 'mean', normalize: true, maxTokens: 256, dtype: st[3] },
    };
  }
  throw new Error(`bundle: unknown encoder id '${id}' in the model's meta`);
}

/** The student module's StudentSpec (src/core/student/spec.ts, format 1). */
async function fromStudentSpec(spec: Rec, vectors?: VectorSource): Promise<DescribedStudent> {
  const encoder = rec(spec.encoder);
  const st = rec(spec.student);
  const pre = rec(spec.preprocessing);
  const labels = spec.labels as string[];
  const student = { kind: str(st.kind) ?? 'unknown', hyperparameters: rec(st.hyper), spec };
  if (spec.formatVersion !== 1) throw new Error(`bundle: StudentSpec format ${String(spec.formatVersion)} is not one this exporter knows`);
  if (encoder.kind === 'glove') {
    const vocab = pre.vocab as string[] | undefined;
    const maxLen = num(pre.maxTokens);
    if (!vocab || !maxLen) throw new Error('bundle: a glove StudentSpec without vocab or maxTokens');
    // The word student's rule (student/vocab.ts encodeTexts): exact lookup, unknown = 1, cut to
    // maxTokens, padded with 0 after the text. Its GloVe rows live in the model's embedding.
    return {
      labels, output: 'softmax', student, vocab,
      input: { kind: 'token-ids', vocabFile: 'vocab.txt', vocabSize: vocab.length, maxLen, padId: 0, oovId: 1, padding: 'post', truncating: 'post', lookup: 'exact' },
    };
  }
  const described = await fromEncoderId({ labels, dim: encoder.dim, kind: st.kind }, str(encoder.id) ?? '', vectors);
  return { ...described, student };
}

export async function studentInput(meta: Rec, vectors?: VectorSource): Promise<DescribedStudent> {
  if (meta.bundle) return fromImported(rec(meta.bundle), vectors);
  if (meta.spec && typeof meta.spec === 'object' && 'formatVersion' in (meta.spec as Rec)) return fromStudentSpec(rec(meta.spec), vectors);
  if (typeof meta.encoder === 'string') return fromEncoderId(meta, meta.encoder, vectors);
  throw new Error('bundle: the model record names neither a StudentSpec (meta.spec) nor an encoder id (meta.encoder)');
}
