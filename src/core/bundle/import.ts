import { UserError } from '../errors.js';
import type { Example } from '../dataset/example.js';
import { BUNDLE_FORMAT_NAME, FILES, type BundleManifest, type InferenceSpec } from './format.js';
import type { ModelParts } from './export.js';
import { parseManifest, verifyFiles } from './manifest.js';
import { unzipFiles } from './zip.js';

/** A bundle read back and checked: everything needed to predict or to continue training. */
export interface Bundle {
  manifest: BundleManifest;
  inference: InferenceSpec;
  labels: string[];
  /** weightData is always one ArrayBuffer here. */
  model: ModelParts & { weightData: ArrayBuffer };
  /** student.json: kind, hyperparameters, the core StudentSpec, teacher model, prompt templates. */
  student: { kind: string; hyperparameters: Record<string, unknown>; spec: unknown; teacher?: { model?: string }; promptTemplates?: unknown[] } | null;
  metrics: Record<string, unknown> | null;
  vocab?: string[];
  vectors?: Uint8Array;
  examples: Example[];
  /** Every file, for callers that need the raw bytes (the inference module accepts this map). */
  files: Record<string, Uint8Array>;
}

const HINT = 'Export the bundle again from Distillery.';
const dec = new TextDecoder('utf-8');

function parseJsonFile<T>(files: Record<string, Uint8Array>, name: string): T {
  try {
    return JSON.parse(dec.decode(files[name])) as T;
  } catch {
    throw new UserError('bundle-bad-file', `The bundle's ${name} is not valid JSON.`, HINT);
  }
}

/**
 * Opens a bundle's bytes, refusing with a distinct UserError code each way a bundle can be bad:
 * not a zip (`bundle-not-zip`), cut short (`bundle-truncated`), no manifest (`bundle-no-manifest`),
 * another format version (`bundle-unknown-version`), a file missing (`bundle-missing-file`), a file
 * changed (`bundle-hash-mismatch`), an unreadable file (`bundle-bad-file`).
 */
export async function readBundle(bytes: Uint8Array, what = 'The bundle'): Promise<Bundle> {
  const files = unzipFiles(bytes, what);
  const manifest = parseManifest(files[FILES.manifest]);
  await verifyFiles(manifest, files);

  const inference = parseJsonFile<InferenceSpec>(files, FILES.inference);
  if (inference.format !== BUNDLE_FORMAT_NAME || inference.formatVersion !== manifest.formatVersion) {
    throw new UserError('bundle-bad-file', 'The bundle\'s inference.json does not match its manifest\'s format.', HINT);
  }
  const modelJson = parseJsonFile<{ modelTopology?: object; weightsManifest?: Array<{ paths: string[]; weights: ModelParts['weightSpecs'] }> }>(files, FILES.modelJson);
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new UserError('bundle-bad-file', 'The bundle\'s model.json is not a TensorFlow.js layers model.', HINT);
  }
  const parts: Uint8Array[] = [];
  const weightSpecs: ModelParts['weightSpecs'] = [];
  for (const g of modelJson.weightsManifest) {
    weightSpecs.push(...g.weights);
    for (const p of g.paths) {
      if (!files[p]) throw new UserError('bundle-missing-file', `The bundle is missing a file: ${p} (weights named by model.json).`, HINT);
      parts.push(files[p]);
    }
  }
  const weightData = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) { weightData.set(p, o); o += p.byteLength; }

  const input = inference.input;
  const vocab = 'vocabFile' in input ? readVocab(files, input.vocabFile) : undefined;
  const examples = files[FILES.dataJsonl]
    ? dec.decode(files[FILES.dataJsonl]).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Example)
    : [];
  return {
    manifest,
    inference,
    labels: parseJsonFile<string[]>(files, FILES.labels),
    model: { modelTopology: modelJson.modelTopology, weightSpecs, weightData: weightData.buffer },
    student: files[FILES.student] ? parseJsonFile(files, FILES.student) : null,
    metrics: files[FILES.metrics] ? parseJsonFile(files, FILES.metrics) : null,
    vocab,
    vectors: input.kind === 'word-vectors-pool' ? files[input.vectorsFile] : undefined,
    examples,
    files,
  };
}

function readVocab(files: Record<string, Uint8Array>, name: string): string[] {
  if (!files[name]) throw new UserError('bundle-missing-file', `The bundle is missing a file: ${name} (its vocabulary).`, HINT);
  const words = dec.decode(files[name]).split('\n');
  if (words[words.length - 1] === '') words.pop();
  return words;
}
