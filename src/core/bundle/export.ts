import type { Example } from '../dataset/example.js';
import type { LongOpOptions } from '../progress.js';
import { throwIfAborted, UserError } from '../errors.js';
import type { Overlap } from '../dataset/overlap.js';
import type { StoredMetrics } from '../student/metrics.js';
import { toCsv, toJsonl } from './dataset-export.js';
import { BUNDLE_FORMAT_NAME, BUNDLE_FORMAT_VERSION, FILES, type InferenceSpec, type InputSpec } from './format.js';
import { exampleSource, inferenceModuleSource } from './inference-module.js';
import { buildManifest } from './manifest.js';
import { renderModelCard } from './model-card.js';
import { publicUrl, redactSecrets } from './secrets.js';
import { checkLabels, checkTransformerWeights, weightsByteLength } from './validate.js';
import { zipFiles } from './zip.js';

/** The trained model as tfjs ModelArtifacts parts (what `model.save(tf.io.withSaveHandler(…))` gives). */
export interface ModelParts {
  modelTopology: object;
  weightSpecs: Array<{ name: string; shape: number[]; dtype: string; quantization?: unknown }>;
  /** One buffer, or several (tfjs's composite WeightData), concatenated in order. */
  weightData: ArrayBuffer | ArrayBuffer[];
}

function weightBytes(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const out = new Uint8Array(data.reduce((n, b) => n + b.byteLength, 0));
  let o = 0;
  for (const b of data) { out.set(new Uint8Array(b), o); o += b.byteLength; }
  return out;
}

/**
 * The numbers of the bundled model, as its run recorded them (metrics.json holds this object; the
 * card prints it). Each score names the set it rests on (`set.role`), its count and its interval.
 */
export interface BundleMetrics {
  /** The set that chose: validation (the kept epoch) or, for a synthesis round, its selection half (epoch and round). */
  val?: StoredMetrics;
  /** Decided nothing. */
  test?: StoredMetrics;
  rounds?: unknown[];
  /** Training examples left out because their text was a validation or test text. */
  overlap?: Overlap;
  /** Validation texts left out because their errors drove a synthesis run's extrapolation (a Train-step model). */
  droveLeftOut?: number;
  /** A synthesis run's validation halves: `extrapolation` texts drove its rounds, `selection` chose. */
  validation?: { extrapolation: number; selection: number };
  /** Which of the project's models this is. */
  model?: { from: 'train-step' } | { from: 'synthesis-round'; round: number; rounds: number };
}

/** A fine-tuned transformer as the bundle carries it: one safetensors file and the model's files. */
export interface TransformerParts {
  safetensors: Uint8Array;
  files: { config: unknown; tokenizer: unknown; tokenizerConfig: unknown };
}

export function isTransformerParts(m: ModelParts | TransformerParts): m is TransformerParts {
  return 'safetensors' in m;
}

/** Everything a bundle is made of. See index.ts for who builds it. */
export interface BundleInput {
  /** Shown as the model card's title. */
  name?: string;
  /** One sentence on what the classifier is for. */
  task?: string;
  labels: string[];
  model: ModelParts | TransformerParts;
  /** How texts become the model input (the inference file implements exactly this). */
  input: InputSpec;
  /** What the last layer outputs. */
  output: 'softmax' | 'logits';
  /** For token-ids and word-vectors-pool inputs: line i of vocab.txt is row/id i. */
  vocab?: string[];
  /** For word-vectors-pool: int8 rows, `count*4` bytes of float32 scales then `count*dim` int8. */
  vectors?: Uint8Array;
  student: {
    kind: string;
    hyperparameters: Record<string, unknown>;
    /** The core's serialisable StudentSpec, kept whole so the app can continue training. */
    spec?: unknown;
  };
  /** The run's recorded metrics: the card and metrics.json are printed from these objects. */
  metrics: BundleMetrics;
  /** Seeds and synthetic examples with provenance (unlabeled ones are left out). */
  examples: Example[];
  teacher?: { model?: string; baseUrl?: string };
  promptTemplates?: { id: string; description?: string }[];
  /** ISO time; defaults to now. */
  createdAt?: string;
}

const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v, null, 2) + '\n');

function sampleTexts(examples: Example[], labels: string[]): string[] {
  const out: string[] = [];
  for (const l of labels) {
    const e = examples.find((x) => x.label === l && x.text.length < 200);
    if (e) out.push(e.text);
    if (out.length >= 3) break;
  }
  return out.length ? out : ['an example text'];
}

/**
 * The model's own files. A bundle is checked on the way out as on the way in: weights that do not
 * fill the model's layers, or a transformer whose head does not fit the labels (a truncated or
 * altered model file in a run folder), must not become a bundle.
 */
function modelFiles(input: BundleInput): Record<string, Uint8Array> {
  const { model } = input;
  if (isTransformerParts(model)) {
    if (input.input.kind !== 'transformer') throw new Error('writeBundle: transformer weights need a transformer input');
    const config = model.files.config as Record<string, unknown>;
    try {
      checkTransformerWeights(model.safetensors, FILES.safetensors, input.labels.length, config);
    } catch (e) {
      throw new UserError('bad-weights', `The student's weights do not fit it: ${(e as Error).message}`, 'Train the student again (or restore the run folder from a copy), then export.');
    }
    return {
      [input.input.weightsFile]: model.safetensors,
      [input.input.configFile]: json(config),
      [input.input.tokenizerFile]: enc.encode(JSON.stringify(model.files.tokenizer)),
      [input.input.tokenizerConfigFile]: json(model.files.tokenizerConfig),
    };
  }
  const weights = weightBytes(model.weightData);
  const need = weightsByteLength(model.weightSpecs, 'model');
  if (weights.byteLength !== need) {
    throw new UserError('bad-weights', `The student's weights are ${weights.byteLength} bytes, but its model needs ${need}: the stored model was cut short or changed.`,
      'Train the student again (or restore the run folder from a copy), then export.');
  }
  return {
    [FILES.modelJson]: json({
      format: 'layers-model',
      generatedBy: 'distillery',
      convertedBy: null,
      modelTopology: model.modelTopology,
      weightsManifest: [{ paths: [FILES.weights], weights: model.weightSpecs }],
    }),
    [FILES.weights]: weights,
  };
}

/** The bundle's files, by name, manifest included (before zipping). */
export async function buildBundleFiles(input: BundleInput, opts: LongOpOptions = {}): Promise<Record<string, Uint8Array>> {
  const createdAt = input.createdAt ?? new Date().toISOString();
  const labeled = input.examples.filter((e) => e.label !== null && e.split !== 'unlabeled');
  const inference: InferenceSpec = {
    format: BUNDLE_FORMAT_NAME,
    formatVersion: BUNDLE_FORMAT_VERSION,
    labels: input.labels,
    input: input.input,
    output: input.output,
  };
  const teacher = input.teacher ? { model: input.teacher.model, baseUrl: publicUrl(input.teacher.baseUrl) } : undefined;
  checkLabels(input.labels, 'label list');
  const files: Record<string, Uint8Array> = { ...modelFiles(input) };
  Object.assign(files, {
    [FILES.inference]: json(inference),
    [FILES.labels]: json(input.labels),
    [FILES.student]: json(redactSecrets({
      kind: input.student.kind,
      hyperparameters: input.student.hyperparameters,
      spec: input.student.spec ?? null,
      teacher,
      promptTemplates: input.promptTemplates ?? [],
      createdAt,
    })),
    [FILES.metrics]: json(redactSecrets(input.metrics)),
    [FILES.dataJsonl]: enc.encode(toJsonl(labeled)),
    [FILES.dataCsv]: enc.encode(toCsv(labeled)),
    [FILES.inferenceModule]: enc.encode(inferenceModuleSource()),
    [FILES.example]: enc.encode(exampleSource(sampleTexts(labeled, input.labels))),
    [FILES.packageJson]: json({
      name: 'distillery-student',
      private: true,
      type: 'module',
      main: FILES.inferenceModule,
      dependencies: {
        '@tensorflow/tfjs': '^4.22.0',
        ...(input.input.kind === 'sentence-embedding' || input.input.kind === 'transformer' ? { '@huggingface/tokenizers': '^0.2.0' } : {}),
      },
      // A BERT runs ~100x faster on tfjs's wasm backend than on its cpu one in Node (used when installed).
      ...(input.input.kind === 'sentence-embedding' || input.input.kind === 'transformer' ? { optionalDependencies: { '@tensorflow/tfjs-backend-wasm': '^4.22.0' } } : {}),
    }),
    [FILES.card]: enc.encode(renderModelCard({
      name: input.name ?? `Distillery student (${input.labels.join(' / ')})`,
      task: input.task,
      labels: input.labels,
      metrics: input.metrics,
      examples: labeled,
      teacherModel: input.teacher?.model,
      promptTemplates: input.promptTemplates,
      studentKind: input.student.kind,
      hyperparameters: redactSecrets(input.student.hyperparameters),
      input: input.input,
      weightsBytes: isTransformerParts(input.model) ? input.model.safetensors.byteLength : weightBytes(input.model.weightData).byteLength,
      createdAt,
    })),
  });
  if (input.input.kind === 'token-ids' || input.input.kind === 'word-vectors-pool') {
    if (!input.vocab) throw new Error(`writeBundle: a ${input.input.kind} bundle needs its vocabulary`);
    files[input.input.vocabFile] = enc.encode(input.vocab.join('\n') + '\n');
  }
  if (input.input.kind === 'word-vectors-pool') {
    if (!input.vectors) throw new Error('writeBundle: a word-vectors-pool bundle needs its vector table');
    files[input.input.vectorsFile] = input.vectors;
  }
  throwIfAborted(opts.signal);
  opts.onProgress?.({ phase: 'bundle', done: 1, total: 2 });
  const manifest = await buildManifest(files, createdAt);
  files[FILES.manifest] = json(manifest);
  return files;
}

/** Builds the bundle and zips it: the bytes of `distillery-student.zip`. */
export async function writeBundle(input: BundleInput, opts: LongOpOptions = {}): Promise<Uint8Array> {
  const files = await buildBundleFiles(input, opts);
  const zip = zipFiles(files, new Date(input.createdAt ?? JSON.parse(new TextDecoder().decode(files[FILES.manifest])).createdAt));
  opts.onProgress?.({ phase: 'bundle', done: 2, total: 2 });
  return zip;
}
