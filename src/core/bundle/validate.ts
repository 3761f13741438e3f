/**
 * The shape of what a bundle holds, checked before anything uses it. Hashes only prove that files
 * are what the manifest says; a bundle can be crafted (or written by a buggy exporter) with
 * matching hashes and still hold labels that are not a list, weights shorter than the model needs,
 * or a data file that is not JSONL. Each check names the file and what is wrong with it, so import
 * and predict refuse with a message instead of failing later inside tfjs.
 */
import { UserError } from '../errors.js';
import type { Example, Split } from '../dataset/example.js';
import type { InferenceSpec, InputSpec } from './format.js';
import type { ModelParts } from './export.js';
import { Bert } from '../transformer/bert.js';
import { HEAD_BIAS, HEAD_WEIGHT } from '../transformer/classifier.js';
import { parseBertConfig, type BertConfig } from '../transformer/config.js';
import { safetensorsHeader } from '../transformer/safetensors.js';

const HINT = 'Export the bundle again from Distillery.';

function bad(file: string, what: string): UserError {
  return new UserError('bundle-bad-file', `The bundle's ${file} ${what}.`, HINT);
}

const isInt = (v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
const isStr = (v: unknown): v is string => typeof v === 'string';

/** labels.json: two or more distinct, non-empty strings. */
export function checkLabels(v: unknown, file = 'labels.json'): string[] {
  if (!Array.isArray(v)) throw bad(file, `is ${v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`}, not a list of labels`);
  if (v.length < 2) throw bad(file, `lists ${v.length} label${v.length === 1 ? '' : 's'}; a classifier has at least two`);
  if (!v.every((l) => isStr(l) && l !== '')) throw bad(file, 'holds something other than non-empty label strings');
  if (new Set(v).size !== v.length) throw bad(file, 'lists a label twice');
  return v as string[];
}

/** inference.json's input: a known kind whose fields have the types and ranges the predictor needs. */
export function checkInput(v: unknown): InputSpec {
  const i = v as Record<string, unknown> | null;
  if (!i || typeof i !== 'object') throw bad('inference.json', 'has no input description');
  if (i.kind === 'token-ids') {
    if (!isStr(i.vocabFile) || !isInt(i.vocabSize, 1, 10_000_000) || !isInt(i.maxLen, 1, 100_000)
      || !isInt(i.padId, 0, (i.vocabSize as number) - 1) || !isInt(i.oovId, 0, (i.vocabSize as number) - 1)
      || !['pre', 'post'].includes(i.padding as string) || !['pre', 'post'].includes(i.truncating as string)
      || !['exact', 'split-hyphens'].includes(i.lookup as string)) {
      throw bad('inference.json', 'describes token-id input with missing or out-of-range fields');
    }
  } else if (i.kind === 'word-vectors-pool') {
    if (!isStr(i.vocabFile) || !isStr(i.vectorsFile) || !isInt(i.vocabSize, 1, 10_000_000) || !isInt(i.dim, 1, 4096)
      || !['mean', 'mean-max'].includes(i.pooling as string)) {
      throw bad('inference.json', 'describes word-vector input with missing or out-of-range fields');
    }
  } else if (i.kind === 'sentence-embedding') {
    if (!isStr(i.model) || !isStr(i.revision) || !isInt(i.dim, 1, 65_536) || !['mean', 'cls'].includes(i.pooling as string)
      || typeof i.normalize !== 'boolean' || !isInt(i.maxTokens, 1, 1_000_000) || (i.dtype !== undefined && !isStr(i.dtype))) {
      throw bad('inference.json', 'describes sentence-encoder input with missing or out-of-range fields');
    }
  } else if (i.kind === 'transformer') {
    const b = i.base as Record<string, unknown> | null;
    if (![i.weightsFile, i.configFile, i.tokenizerFile, i.tokenizerConfigFile].every(isStr) || !isInt(i.maxTokens, 3, 1_000_000) || !['mean', 'cls'].includes(i.pooling as string)
      || !b || typeof b !== 'object' || !isStr(b.name) || !isStr(b.model) || !isStr(b.revision) || !isStr(b.weightsSha256) || !isInt(b.parameters, 0)) {
      throw bad('inference.json', 'describes a fine-tuned transformer with missing or out-of-range fields');
    }
  } else {
    throw bad('inference.json', `has an input kind this version cannot read (${JSON.stringify(i.kind)})`);
  }
  // Every field of its kind was checked above; TypeScript cannot narrow a plain record to the union by such checks.
  return i as unknown as InputSpec;
}

export function checkInference(v: unknown, labels: string[]): InferenceSpec {
  const o = v as Partial<InferenceSpec> | null;
  if (!o || typeof o !== 'object') throw bad('inference.json', 'is not an object');
  if (o.output !== 'softmax' && o.output !== 'logits') throw bad('inference.json', 'does not say whether the model outputs softmax or logits');
  const own = checkLabels(o.labels, 'inference.json labels');
  if (own.length !== labels.length || own.some((l, i) => l !== labels[i])) throw bad('inference.json', 'lists other labels than labels.json');
  checkInput(o.input);
  return o as InferenceSpec;
}

/** Bytes per stored element of a weight, by its dtype (or its quantization's). */
const DTYPE_BYTES = new Map([['float32', 4], ['int32', 4], ['bool', 1], ['complex64', 8], ['uint8', 1], ['uint16', 2], ['float16', 2]]);

type WeightSpec = ModelParts['weightSpecs'][number];

/** The bytes a list of weight specs occupies in weights.bin, or a UserError naming the bad spec. */
export function weightsByteLength(specs: WeightSpec[], file = 'model.json'): number {
  let total = 0;
  for (const w of specs) {
    const q = w && typeof w === 'object' && w.quantization && typeof w.quantization === 'object' ? (w.quantization as { dtype?: unknown }).dtype : undefined;
    const per = w && typeof w === 'object' ? DTYPE_BYTES.get(String(q ?? w.dtype)) : undefined;
    if (!per || !isStr(w.name) || !Array.isArray(w.shape) || !w.shape.every((d) => isInt(d, 0, 1 << 30))) {
      throw bad(file, `has a weight entry that is not a name, a shape and a number type (${JSON.stringify(w?.name ?? null)})`);
    }
    total += w.shape.reduce((a, b) => a * b, 1) * per;
    if (!Number.isSafeInteger(total)) throw bad(file, 'declares more weights than any model has');
  }
  return total;
}

/**
 * model.json: a layers model whose weight groups name files of the bundle, and whose weights
 * add up to exactly the bytes of those files.
 */
export function checkModelJson(v: unknown, files: Record<string, Uint8Array>): { modelTopology: object; weightSpecs: WeightSpec[]; weightData: ArrayBuffer } {
  const m = v as { modelTopology?: unknown; weightsManifest?: unknown } | null;
  if (!m || typeof m !== 'object' || !m.modelTopology || typeof m.modelTopology !== 'object' || !Array.isArray(m.weightsManifest)) {
    throw bad('model.json', 'is not a TensorFlow.js layers model');
  }
  const weightSpecs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const g of m.weightsManifest as Array<{ paths?: unknown; weights?: unknown }>) {
    if (!g || !Array.isArray(g.paths) || !Array.isArray(g.weights) || !g.paths.every(isStr)) throw bad('model.json', 'has a weight group that is not a list of files and weights');
    for (const w of g.weights as WeightSpec[]) weightSpecs.push(w);
    for (const p of g.paths as string[]) {
      if (!Object.hasOwn(files, p)) throw new UserError('bundle-missing-file', `The bundle is missing a file: ${p} (weights named by model.json).`, HINT);
      parts.push(files[p]);
    }
  }
  const need = weightsByteLength(weightSpecs);
  const have = parts.reduce((n, p) => n + p.byteLength, 0);
  if (need !== have) {
    throw new UserError('bundle-bad-weights', `The bundle's weights are ${have} bytes, but its model needs ${need}: the weights file is ${have < need ? 'cut short' : 'longer than the model'}.`, HINT);
  }
  const weightData = new Uint8Array(have);
  let o = 0;
  for (const p of parts) { weightData.set(p, o); o += p.byteLength; }
  return { modelTopology: m.modelTopology as object, weightSpecs, weightData: weightData.buffer };
}

/** A vocabulary file: exactly `size` lines. */
export function checkVocab(bytes: Uint8Array, name: string, size: number): string[] {
  const words = new TextDecoder('utf-8').decode(bytes).split('\n');
  if (words[words.length - 1] === '') words.pop();
  if (words.length !== size) throw bad(name, `has ${words.length} words where inference.json says ${size}`);
  return words;
}

/** The int8-row table: `count*4` bytes of scales, then `count*dim` int8. */
export function checkVectors(bytes: Uint8Array, name: string, count: number, dim: number): void {
  if (bytes.byteLength !== count * 4 + count * dim) throw bad(name, `is ${bytes.byteLength} bytes where ${count} words of ${dim} dimensions take ${count * 4 + count * dim}`);
}

const SPLITS: Split[] = ['train', 'val', 'test', 'unlabeled'];

/** data/train.jsonl: one example per line, each with a text, one of the labels, a split and provenance. */
export function checkExamples(bytes: Uint8Array, name: string, labels: string[]): Example[] {
  const known = new Set(labels);
  const out: Example[] = [];
  const lines = new TextDecoder('utf-8').decode(bytes).split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    let e: Partial<Example> | null;
    try { e = JSON.parse(lines[i]); } catch {
      throw bad(name, `line ${i + 1} is not valid JSON`);
    }
    const p = e?.provenance as Partial<Example['provenance']> | undefined;
    if (!e || typeof e !== 'object' || !isStr(e.id) || !isStr(e.text) || !isStr(e.label) || !known.has(e.label)
      || !SPLITS.includes(e.split as Split) || !p || typeof p !== 'object' || !isStr(p.source) || typeof p.round !== 'number' || !isStr(p.createdAt)) {
      throw bad(name, `line ${i + 1} is not an example (a text, one of the bundle's labels, a split and its provenance)`);
    }
    out.push(e as Example);
  }
  return out;
}

/**
 * A fine-tuned transformer's weights against its config.json: every BERT weight the config implies,
 * with its shape, and a head (`classifier.weight` [K,H], `classifier.bias` [K]) of one output per
 * label, each tensor's bytes inside the file. Only the header is parsed (no float is decoded), so a
 * cut-short, altered or mismatched file is refused on import, naming what is wrong, instead of
 * failing later inside tfjs.
 */
export function checkTransformerWeights(bytes: Uint8Array, name: string, labels: number, config: Record<string, unknown>): void {
  let bert: BertConfig;
  try {
    bert = parseBertConfig(config);
  } catch (e) {
    throw bad('config.json', `is not a BERT config this version runs (${(e as Error).message})`);
  }
  let header: Record<string, unknown>;
  let base: number;
  try {
    ({ header, base } = safetensorsHeader(bytes));
  } catch {
    throw bad(name, 'is not a safetensors file');
  }
  const prefix = Object.hasOwn(header, 'bert.embeddings.word_embeddings.weight') ? 'bert.' : '';
  const want = new Map<string, number[]>(Bert.weightNames(bert).map((n) => [prefix + n, Bert.weightShape(bert, n)]));
  want.set(HEAD_WEIGHT, [labels, bert.hiddenSize]);
  want.set(HEAD_BIAS, [labels]);
  for (const [tensor, shape] of want) {
    const e = header[tensor] as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | undefined;
    if (!e || typeof e !== 'object') throw bad(name, `has no ${tensor}${tensor.startsWith('classifier.') ? ' (the classification head)' : ''}`);
    const width = FLOAT_WIDTH[e.dtype as string];
    if (!width) throw bad(name, `stores ${tensor} as ${JSON.stringify(e.dtype)}, not F32, F16 or BF16`);
    if (!Array.isArray(e.shape) || e.shape.join() !== shape.join()) {
      throw bad(name, `has ${tensor} of shape ${JSON.stringify(e.shape ?? null)} where ${labels} labels and its config.json need [${shape.join(', ')}]`);
    }
    const [begin, end] = Array.isArray(e.data_offsets) ? e.data_offsets as unknown[] : [];
    if (!isInt(begin) || !isInt(end) || end - begin !== shape.reduce((a, b) => a * b, 1) * width || base + end > bytes.byteLength) {
      throw bad(name, `is cut short or damaged: ${tensor}'s bytes do not fit the file`);
    }
  }
}

/** Bytes per value of the float dtypes safetensors.ts reads. */
const FLOAT_WIDTH: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };
