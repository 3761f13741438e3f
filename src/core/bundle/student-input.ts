import { DEFAULT_VECTORS, loadWordVectors, type VectorSource } from '../encode/word-vectors.js';
import { UserError } from '../errors.js';
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

async function wordTable(vectors: VectorSource | undefined, name: string): Promise<{ vocab: string[]; bin: Uint8Array; dim: number }> {
  if (!vectors) throw new UserError('bundle-no-vectors', 'The word vectors this student was trained with are not available, so the bundle cannot include them.', 'Build them with `npm run build:vectors`, or reload the app.');
  const wv = await loadWordVectors(vectors, name);
  return { vocab: wv.words, bin: await vectors.read(wv.header.files.bin), dim: wv.dim };
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

export async function studentInput(meta: Rec, vectors?: VectorSource): Promise<DescribedStudent> {
  if (meta.bundle) return fromImported(rec(meta.bundle), vectors);
  const spec = rec(meta.spec ?? meta);
  const encoder = rec(spec.encoder);
  const student = rec(spec.student);
  const kind = str(student.kind) ?? str(spec.kind) ?? 'unknown';
  const hyperparameters = rec(student.hyperparameters ?? spec.hyperparameters);
  const pre = rec(spec.preprocessing);
  const labels = Array.isArray(spec.labels) ? (spec.labels as string[]) : undefined;
  const output = spec.output === 'logits' ? 'logits' : 'softmax';
  const encKind = str(encoder.kind) ?? '';
  const base = { labels, output, student: { kind, hyperparameters, spec } } as const;

  if (encKind === 'sentence' || encKind === 'sentence-embedding' || encKind === 'minilm' || encKind === 'hf') {
    const model = str(encoder.model) ?? str(encoder.modelId);
    if (!model) throw new Error('bundle: the student spec names no sentence-encoder model');
    return {
      ...base,
      input: {
        kind: 'sentence-embedding', model, revision: str(encoder.revision) ?? 'main', dim: num(encoder.dim) ?? 0,
        pooling: 'mean', normalize: true, maxTokens: num(encoder.maxTokens) ?? num(pre.maxTokens) ?? 256,
        ...(str(encoder.dtype) ? { dtype: str(encoder.dtype) } : {}),
      },
    };
  }
  if (encKind === 'glove' || encKind === 'word-vectors') {
    const table = await wordTable(vectors, str(encoder.vectors) ?? str(encoder.name) ?? DEFAULT_VECTORS);
    const maxLen = num(pre.maxLen) ?? num(pre.maxTokens);
    if (maxLen !== undefined && (str(pre.input) ?? 'token-ids') === 'token-ids') {
      // End-to-end word-vector model: ids are table rows shifted by the reserved ids.
      const offset = num(pre.idOffset) ?? 2;
      const vocab = [...Array.from({ length: offset }, (_, i) => (i === 0 ? '[PAD]' : i === 1 ? '[UNK]' : `[RESERVED${i}]`)), ...table.vocab];
      void vocab;
      throw new Error('bundle: token-id students are not wired yet');
    }
    const pooling = str(encoder.pooling) === 'mean-max' ? 'mean-max' : 'mean';
    return {
      ...base,
      input: { kind: 'word-vectors-pool', vocabFile: 'vocab.txt', vectorsFile: 'vectors.bin', vocabSize: table.vocab.length, dim: table.dim, pooling },
      vocab: table.vocab,
      vectors: table.bin,
    };
  }
  throw new Error(`bundle: unknown encoder kind '${encKind}' in the student spec`);
}
