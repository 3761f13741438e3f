import type { EncoderSpec } from '../encode/encoder.js';
import { DEFAULT_VECTORS, loadWordVectors, type VectorSource } from '../encode/word-vectors.js';
import { UserError } from '../errors.js';
import type { ImportedModel, ModelMeta } from '../student/model-meta.js';
import type { StudentSpec } from '../student/spec.js';
import type { BundleInput } from './export.js';
import { FILES, type InputSpec } from './format.js';

/**
 * Translates a stored student (its record's typed meta: the StudentSpec, or the inference spec of
 * a bundle it came in) into the bundle's InputSpec, and gathers the files that input needs (the
 * word-vector table for pooled-GloVe heads). This is the one place that knows both shapes.
 */

export interface DescribedStudent {
  labels: string[];
  input: InputSpec;
  output: 'softmax' | 'logits';
  vocab?: string[];
  vectors?: Uint8Array;
  student: BundleInput['student'];
}

async function wordTable(vectors: VectorSource | undefined, name: string): Promise<{ vocab: string[]; bin: Uint8Array; dim: number; sha: string }> {
  if (!vectors) throw new UserError('bundle-no-vectors', 'The word vectors this student was trained with are not available, so the bundle cannot include them.', 'Build them with `npm run build:vectors`, or reload the app.');
  const wv = await loadWordVectors(vectors, name);
  return { vocab: wv.words, bin: await vectors.read(wv.header.files.bin), dim: wv.dim, sha: wv.header.sha256.bin };
}

/** A student imported from a bundle: its inference spec is kept as it came. */
async function fromImported(imported: ImportedModel, vectors?: VectorSource): Promise<DescribedStudent> {
  const { inference } = imported;
  const described: DescribedStudent = {
    labels: inference.labels,
    input: inference.input,
    output: inference.output,
    student: { kind: imported.student?.kind ?? 'unknown', hyperparameters: imported.student?.hyperparameters ?? {}, spec: imported.student?.spec ?? null },
  };
  if (inference.input.kind === 'token-ids') described.vocab = imported.vocab;
  if (inference.input.kind === 'word-vectors-pool') {
    const table = await wordTable(vectors, DEFAULT_VECTORS);
    if (table.vocab.length !== inference.input.vocabSize || table.dim !== inference.input.dim) {
      throw new UserError('bundle-other-vectors', 'This student was trained with a different word-vector table than the one this app has.', 'Export it from the Distillery that trained it.');
    }
    Object.assign(described, { vocab: table.vocab, vectors: table.bin });
  }
  return described;
}

/** A head's input: the encoder its spec describes. */
async function encoderInput(encoder: EncoderSpec, vectors?: VectorSource): Promise<Pick<DescribedStudent, 'input' | 'vocab' | 'vectors'>> {
  if (encoder.kind === 'glove-pool') {
    const table = await wordTable(vectors, DEFAULT_VECTORS);
    // Records older than the full hash kept a prefix of it.
    if (!table.sha.startsWith(encoder.table.sha256) || table.vocab.length !== encoder.table.rows) {
      throw new UserError('bundle-other-vectors', `This student was trained with another word-vector table (${encoder.id}) than the one here.`,
        'Export it where it was trained, or rebuild the same vectors (`npm run build:vectors`).');
    }
    return {
      vocab: table.vocab, vectors: table.bin,
      input: { kind: 'word-vectors-pool', vocabFile: 'vocab.txt', vectorsFile: 'vectors.bin', vocabSize: table.vocab.length, dim: table.dim, pooling: encoder.pooling },
    };
  }
  const m = encoder.model;
  // A folder on the trainer's disk, or one picked in the browser: the bundle names it by its
  // weights; load() takes `encoderModel` to point at a copy.
  const [model, revision] = m.from === 'hub' ? [m.model, m.revision] : m.from === 'url' ? [m.url, 'none'] : [`local:${m.fingerprint}`, 'none'];
  if (encoder.kind === 'retired-onnx') {
    // Its bundle names the ONNX variant; the bundle's loader says it was made for the retired encoder.
    return { input: { kind: 'sentence-embedding', model, revision, dim: encoder.dim, pooling: 'mean', normalize: true, maxTokens: encoder.maxTokens, dtype: encoder.dtype } };
  }
  return {
    input: {
      kind: 'sentence-embedding', model, revision, dim: encoder.dim, pooling: encoder.pooling, normalize: encoder.normalize,
      maxTokens: encoder.maxTokens, weightsSha256: encoder.weightsSha256,
    },
  };
}

async function fromSpec(spec: StudentSpec, vectors?: VectorSource): Promise<DescribedStudent> {
  const student = { kind: spec.kind, hyperparameters: { ...spec.hyper }, spec };
  switch (spec.kind) {
    case 'wordpool':
      // The word student's rule (encode/token-ids.ts); its GloVe rows live in the model's embedding.
      return {
        labels: spec.labels, output: 'softmax', student, vocab: spec.input.vocab,
        input: { kind: 'token-ids', vocabFile: 'vocab.txt', vocabSize: spec.input.vocab.length, ...spec.input.ids },
      };
    case 'mlp':
      return { labels: spec.labels, output: 'softmax', student, ...await encoderInput(spec.input.encoder, vectors) };
    case 'transformer': {
      const { base, maxTokens, pooling } = spec.input;
      const m = base.model;
      const [model, revision] = m.from === 'hub' ? [m.model, m.revision] : m.from === 'url' ? [m.url, 'none'] : [`local:${m.fingerprint}`, 'none'];
      return {
        labels: spec.labels, output: 'logits', student,
        input: {
          kind: 'transformer', weightsFile: FILES.safetensors, configFile: FILES.modelConfig, tokenizerFile: FILES.tokenizer, tokenizerConfigFile: FILES.tokenizerConfig,
          maxTokens, pooling, base: { name: base.name, model, revision, weightsSha256: base.weightsSha256, ...(base.license ? { license: base.license } : {}), parameters: base.parameters },
        },
      };
    }
  }
}

export async function studentInput(meta: ModelMeta, vectors?: VectorSource): Promise<DescribedStudent> {
  return meta.imported ? fromImported(meta.imported, vectors) : fromSpec(meta.spec, vectors);
}
