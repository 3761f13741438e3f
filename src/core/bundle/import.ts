import { UserError } from '../errors.js';
import type { Example } from '../dataset/example.js';
import { BUNDLE_FORMAT_NAME, FILES, modelFilesOf, type BundleManifest, type InferenceSpec } from './format.js';
import type { ModelParts, TransformerParts } from './export.js';
import { MAX_MANIFEST_BYTES, parseManifest, verifyFiles } from './manifest.js';
import { checkExamples, checkInference, checkLabels, checkModelJson, checkTransformerWeights, checkVectors, checkVocab } from './validate.js';
import { unzipSelected } from './zip.js';

/** A bundle read back and checked: everything needed to predict or to continue training. */
export interface Bundle {
  manifest: BundleManifest;
  inference: InferenceSpec;
  labels: string[];
  /** A layers model (weightData always one ArrayBuffer here), or a fine-tuned transformer's files. */
  model: (ModelParts & { weightData: ArrayBuffer }) | TransformerParts;
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

function parseJsonFile(files: Record<string, Uint8Array>, name: string): unknown {
  try {
    return JSON.parse(dec.decode(files[name]));
  } catch {
    throw new UserError('bundle-bad-file', `The bundle's ${name} is not valid JSON.`, HINT);
  }
}

function jsonObjectOrNull(files: Record<string, Uint8Array>, name: string): Record<string, unknown> | null {
  if (!Object.hasOwn(files, name)) return null;
  const v = parseJsonFile(files, name);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new UserError('bundle-bad-file', `The bundle's ${name} is not a JSON object.`, HINT);
  return v as Record<string, unknown>;
}

/**
 * Only manifest.json, inflated alone and capped: nothing else is inflated before the manifest
 * says what the bundle holds.
 */
function readManifest(bytes: Uint8Array, what: string): { manifest: BundleManifest; raw: Uint8Array } {
  let seen = 0;
  const files = unzipSelected(bytes, what, (e) => {
    if (e.name !== FILES.manifest) return false;
    if (++seen > 1) throw new UserError('bundle-bad-manifest', `${what} holds manifest.json twice.`, HINT);
    if (e.originalSize > MAX_MANIFEST_BYTES) throw new UserError('bundle-bad-manifest', `${what}'s manifest.json would be ${e.originalSize} bytes, far more than a manifest holds.`, HINT);
    return true;
  });
  const raw = files[FILES.manifest];
  return { manifest: parseManifest(raw), raw };
}

/**
 * Opens a bundle's bytes, refusing with a distinct UserError code each way a bundle can be bad:
 * not a zip (`bundle-not-zip`), cut short (`bundle-truncated`), no manifest (`bundle-no-manifest`),
 * another format version (`bundle-unknown-version`), a file missing (`bundle-missing-file`), a file
 * the manifest does not list (`bundle-unlisted-file`), a file changed (`bundle-hash-mismatch`),
 * weights that do not fit the model (`bundle-bad-weights`), an unreadable or malformed file
 * (`bundle-bad-file`), more than any bundle holds (`bundle-too-large`).
 *
 * Memory stays bounded by what the manifest declares (itself capped): an entry is inflated only
 * when the manifest lists it with the size the zip states, into a buffer of that size.
 */
export async function readBundle(bytes: Uint8Array, what = 'The bundle'): Promise<Bundle> {
  const { manifest, raw } = readManifest(bytes, what);
  const unlisted: string[] = [];
  const seen = new Set<string>();
  const files = unzipSelected(bytes, what, (e) => {
    if (e.name === FILES.manifest || (e.name.endsWith('/') && e.originalSize === 0)) return false;
    if (!Object.hasOwn(manifest.files, e.name)) { unlisted.push(e.name); return false; }
    if (seen.has(e.name)) throw new UserError('bundle-bad-file', `${what} holds ${e.name} twice.`, HINT);
    seen.add(e.name);
    if (e.originalSize !== manifest.files[e.name].bytes) {
      throw new UserError('bundle-hash-mismatch', `The file ${e.name} in the bundle is ${e.originalSize} bytes, not the ${manifest.files[e.name].bytes} its manifest lists: it was changed or damaged after export.`, HINT);
    }
    return true;
  });
  if (unlisted.length) {
    const shown = unlisted.slice(0, 5).map((n) => JSON.stringify(n.slice(0, 100))).join(', ');
    throw new UserError('bundle-unlisted-file', `${what} holds ${unlisted.length === 1 ? 'a file' : `${unlisted.length} files`} its manifest does not list (${shown}${unlisted.length > 5 ? ', …' : ''}), so it is not as Distillery exported it.`, HINT);
  }
  files[FILES.manifest] = raw;
  await verifyFiles(manifest, files);

  const labels = checkLabels(parseJsonFile(files, FILES.labels));
  const inference = checkInference(parseJsonFile(files, FILES.inference), labels);
  if (inference.format !== BUNDLE_FORMAT_NAME || inference.formatVersion !== manifest.formatVersion) {
    throw new UserError('bundle-bad-file', 'The bundle\'s inference.json does not match its manifest\'s format.', HINT);
  }
  const input = inference.input;
  const missing = modelFilesOf(input).filter((n) => !Object.hasOwn(files, n));
  if (missing.length) throw new UserError('bundle-missing-file', `The bundle is missing ${missing.length === 1 ? 'a file' : `${missing.length} files`}: ${missing.join(', ')} (its model).`, HINT);
  let model: Bundle['model'];
  if (input.kind === 'transformer') {
    const object = (name: string) => {
      const v = parseJsonFile(files, name);
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new UserError('bundle-bad-file', `The bundle's ${name} is not a JSON object.`, HINT);
      return v as Record<string, unknown>;
    };
    const config = object(input.configFile);
    const parts: TransformerParts = { safetensors: files[input.weightsFile]!, files: { config, tokenizer: object(input.tokenizerFile), tokenizerConfig: object(input.tokenizerConfigFile) } };
    checkTransformerWeights(parts.safetensors, input.weightsFile, labels.length, config);
    model = parts;
  } else {
    model = checkModelJson(parseJsonFile(files, FILES.modelJson), files);
  }

  let vocab: string[] | undefined;
  let vectors: Uint8Array | undefined;
  if (input.kind === 'token-ids' || input.kind === 'word-vectors-pool') {
    if (!Object.hasOwn(files, input.vocabFile)) throw new UserError('bundle-missing-file', `The bundle is missing a file: ${input.vocabFile} (its vocabulary).`, HINT);
    vocab = checkVocab(files[input.vocabFile], input.vocabFile, input.vocabSize);
  }
  if (input.kind === 'word-vectors-pool') {
    if (!Object.hasOwn(files, input.vectorsFile)) throw new UserError('bundle-missing-file', `The bundle is missing a file: ${input.vectorsFile} (its word vectors).`, HINT);
    vectors = files[input.vectorsFile];
    checkVectors(vectors, input.vectorsFile, input.vocabSize, input.dim);
  }
  const examples = Object.hasOwn(files, FILES.dataJsonl) ? checkExamples(files[FILES.dataJsonl], FILES.dataJsonl, labels) : [];
  return {
    manifest,
    inference,
    labels,
    model,
    student: jsonObjectOrNull(files, FILES.student) as Bundle['student'],
    metrics: jsonObjectOrNull(files, FILES.metrics),
    vocab,
    vectors,
    examples,
    files,
  };
}
