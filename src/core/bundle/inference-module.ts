import { LABELED_SCORES_JS, LOOKUP_JS, TOKEN_IDS_JS, TOKENIZER_JS, TRANSFORMER_JS } from './runtime-source.generated.js';
import { BUNDLE_FORMAT_NAME, BUNDLE_FORMAT_VERSION, FILES } from './format.js';

/**
 * The bundle's own inference file, `distillery-student.mjs`: an ES module whose only imports are
 * `@tensorflow/tfjs` and, for sentence-encoder and fine-tuned transformer bundles only,
 * `@huggingface/tokenizers` (loaded lazily, so word-vector bundles never need it). A fine-tuned
 * transformer bundle carries its whole model (model.safetensors, config.json, tokenizer files) and
 * runs the core's classifier (src/core/transformer/classifier.ts), generated like the BERT. A sentence-encoder bundle runs the core's own
 * TF.js BERT (generated from src/core/transformer/) on the encoder's safetensors weights, read
 * from a local copy (`encoderModel`) or the Hugging Face hub. It reads the bundle's files itself (node:fs in
 * Node, fetch in browsers) and hands the model to `tf.loadLayersModel(tf.io.fromMemory(...))`,
 * because stock tfjs has no file:// loader without tfjs-node. The tokenizer and vocabulary lookup
 * are the core's own code, generated into runtime-source.generated.ts.
 */

const RUNTIME = String.raw`
const FORMAT = __FORMAT__;
const FORMAT_VERSION = __FORMAT_VERSION__;
const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node) && typeof window === 'undefined';

function isFileBase(base) {
  if (base instanceof URL) return base.protocol === 'file:';
  return isNode && !/^[a-z][a-z0-9+.-]*:\/\//i.test(base) || /^file:/i.test(base);
}

/** Reads one bundle file from a folder (Node), a URL (browser or Node), or a {name: bytes} map. */
async function readBundleFile(base, name) {
  if (base && typeof base === 'object' && !(base instanceof URL)) {
    const v = base[name];
    if (v === undefined) throw new Error('distillery-student: the bundle has no ' + name);
    return v instanceof Uint8Array ? v : new Uint8Array(v);
  }
  if (isNode && isFileBase(base)) {
    // Names kept in variables so that browser bundlers leave these Node-only imports alone.
    const fsName = 'node:fs/promises', pathName = 'node:path', urlName = 'node:url';
    const fs = await import(/* @vite-ignore */ fsName);
    const path = await import(/* @vite-ignore */ pathName);
    const url = await import(/* @vite-ignore */ urlName);
    const dir = base instanceof URL || /^file:/i.test(base) ? url.fileURLToPath(base) : base;
    const buf = await fs.readFile(path.join(dir, name));
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const root = String(base).endsWith('/') ? String(base) : String(base) + '/';
  const href = typeof location !== 'undefined' ? new URL(name, new URL(root, location.href)) : new URL(name, root);
  const res = await fetch(href);
  if (!res.ok) throw new Error('distillery-student: could not fetch ' + href + ' (HTTP ' + res.status + ')');
  return new Uint8Array(await res.arrayBuffer());
}

const readText = async (base, name) => new TextDecoder().decode(await readBundleFile(base, name));
const readJson = async (base, name) => JSON.parse(await readText(base, name));

function vocabulary(text) {
  const words = text.split('\n');
  if (words.length && words[words.length - 1] === '') words.pop();
  const index = new Map();
  // Last row wins on a duplicate, as in the app's own table.
  for (let i = 0; i < words.length; i++) index.set(words[i], i);
  return { words, index };
}

/** Turns texts into the model's input tensor, exactly as the app does. */
async function makeEncoder(spec, base, options) {
  const input = spec.input;
  if (input.kind === 'token-ids') {
    const wv = vocabulary(await readText(base, input.vocabFile));
    return (texts) => {
      const data = new Int32Array(texts.length * input.maxLen);
      texts.forEach((text, r) => tokenIds(tokenize(text), wv, input, data, r * input.maxLen));
      return tf.tensor2d(data, [texts.length, input.maxLen], 'int32');
    };
  }
  if (input.kind === 'word-vectors-pool') {
    const wv = vocabulary(await readText(base, input.vocabFile));
    const bin = await readBundleFile(base, input.vectorsFile);
    const count = wv.words.length, dim = input.dim;
    // int8 rows with one float32 scale each: the layout of the app's own word-vector table.
    const scales = new Float32Array(bin.slice(0, count * 4).buffer);
    const q = new Int8Array(bin.buffer, bin.byteOffset + count * 4, count * dim);
    const vectors = new Float32Array(count * dim);
    for (let r = 0; r < count; r++) { const s = scales[r]; for (let j = 0; j < dim; j++) vectors[r * dim + j] = q[r * dim + j] * s; }
    const width = input.pooling === 'mean-max' ? 2 * dim : dim;
    // Float32 accumulation in token order, as the app's GloveEncoder does, so sums round alike.
    const embed = (text) => {
      const out = new Float32Array(width);
      const ids = lookupTokens(wv, tokenize(text)).filter((i) => i >= 0);
      if (ids.length === 0) return out;
      const max = input.pooling === 'mean-max' ? new Float32Array(dim).fill(-Infinity) : undefined;
      for (const id of ids) {
        const o = id * dim;
        for (let j = 0; j < dim; j++) { const v = vectors[o + j]; out[j] += v; if (max && v > max[j]) max[j] = v; }
      }
      for (let j = 0; j < dim; j++) out[j] /= ids.length;
      if (max) out.set(max, dim);
      return out;
    };
    return (texts) => {
      const flat = new Float32Array(texts.length * width);
      texts.forEach((t, r) => flat.set(embed(t), r * width));
      return tf.tensor2d(flat, [texts.length, width]);
    };
  }
  if (input.kind === 'sentence-embedding') {
    if (input.dtype && !input.weightsSha256) {
      throw new Error('distillery-student: this bundle was made for the retired transformers.js encoder (' + input.dtype + '), which nothing runs any more; train the student again in Distillery and export it');
    }
    // The encoder's folder: a local copy (path, URL or {name: bytes}) or the hub at the pinned revision.
    const where = options.encoderModel || (input.model.startsWith('local:') ? null : 'https://huggingface.co/' + input.model + '/resolve/' + input.revision + '/');
    if (!where) throw new Error('distillery-student: the encoder was a local folder (' + input.model + '); pass its copy as options.encoderModel');
    if (!Tokenizer) {
      const name = '@huggingface/tokenizers';
      Tokenizer = (options.tokenizers || await import(/* @vite-ignore */ name)).Tokenizer;
    }
    await fasterNodeBackend(options);
    const weights = await readBundleFile(where, 'model.safetensors');
    if (input.weightsSha256 && globalThis.crypto && crypto.subtle) {
      const d = new Uint8Array(await crypto.subtle.digest('SHA-256', weights));
      const hex = Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
      if (!hex.startsWith(input.weightsSha256)) throw new Error('distillery-student: the encoder weights at ' + where + ' are not the ones this student was trained on (sha256 ' + hex.slice(0, 16) + '…, expected ' + input.weightsSha256 + '…)');
    }
    const config = parseBertConfig(await readJson(where, 'config.json'));
    const tokenizer = new BertTokenizer(await readJson(where, 'tokenizer.json'), await readJson(where, 'tokenizer_config.json'), input.maxTokens, config.padTokenId);
    const bert = Bert.fromTensors(config, readSafetensors(weights));
    return async (texts) => {
      const out = new Float32Array(texts.length * input.dim);
      for (const b of lengthBatches(texts.map((t) => tokenizer.encode(t)), 32, config.padTokenId, 32 * 128)) {
        const v = tf.tidy(() => {
          const ids = tf.tensor2d(b.ids, [b.batch, b.seqLen], 'int32');
          const mask = tf.tensor2d(b.mask, [b.batch, b.seqLen], 'int32');
          const pooled = Bert.pool(bert.hidden(ids, mask), mask, input.pooling);
          return input.normalize ? Bert.l2Normalize(pooled) : pooled;
        });
        const data = await v.data();
        v.dispose();
        b.index.forEach((i, r) => out.set(data.subarray(r * input.dim, (r + 1) * input.dim), i * input.dim));
      }
      return tf.tensor2d(out, [texts.length, input.dim]);
    };
  }
  throw new Error('distillery-student: unknown input kind ' + input.kind);
}

/**
 * In Node, @tensorflow/tfjs alone computes on its pure-JavaScript cpu backend, where a BERT runs
 * ~100× slower than on tfjs's wasm backend: that one is used when @tensorflow/tfjs-backend-wasm is
 * installed beside it (options.backend names one to keep instead).
 */
async function fasterNodeBackend(options) {
  if (!isNode || options.backend) { if (options.backend) await tf.setBackend(options.backend); return; }
  // Before any tensor exists getBackend() is undefined: let tfjs pick first (cpu in Node, or the
  // backend the caller registered and set), and move only off the cpu backend.
  await tf.ready();
  if (tf.getBackend() !== 'cpu') return;
  try {
    const name = '@tensorflow/tfjs-backend-wasm';
    await import(/* @vite-ignore */ name);
    await tf.setBackend('wasm');
  } catch {
    // Not installed: the cpu backend works, slowly.
  }
}

/**
 * A fine-tuned transformer bundle: the app's own classifier (BERT + pooling + dense head, the
 * generated src/core/transformer/ code above) on the bundle's model.safetensors, its tokenizer
 * cutting texts where the app did.
 */
async function loadTransformer(spec, bundle, options) {
  const input = spec.input;
  await fasterNodeBackend(options);
  if (!Tokenizer) {
    const name = '@huggingface/tokenizers';
    Tokenizer = (options.tokenizers || await import(/* @vite-ignore */ name)).Tokenizer;
  }
  const config = parseBertConfig(await readJson(bundle, input.configFile));
  const tokenizer = new BertTokenizer(await readJson(bundle, input.tokenizerFile), await readJson(bundle, input.tokenizerConfigFile), input.maxTokens, config.padTokenId);
  const labels = spec.labels;
  const classifier = BertClassifier.fromTensors(config, readSafetensors(await readBundleFile(bundle, input.weightsFile)), { pooling: input.pooling, classes: labels.length });
  const batchSize = options.batchSize || 32;

  /** Classifies texts: one {label, scores} per text, scores mapping every label to its probability. */
  async function predict(texts) {
    if (typeof texts === 'string') texts = [texts];
    const rows = new Array(texts.length);
    for (const b of lengthBatches(texts.map((t) => tokenizer.encode(t)), batchSize, config.padTokenId, batchSize * 128)) {
      const y = tf.tidy(() => {
        const ids = tf.tensor2d(b.ids, [b.batch, b.seqLen], 'int32');
        const mask = tf.tensor2d(b.mask, [b.batch, b.seqLen], 'int32');
        return tf.softmax(classifier.logits(ids, mask));
      });
      const probs = await y.array();
      y.dispose();
      b.index.forEach((i, r) => { rows[i] = labeledScores(labels, probs[r]); });
    }
    return rows;
  }

  return { labels, spec, model: classifier, predict, dispose: () => classifier.dispose() };
}

function concatBuffers(parts) {
  const n = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.byteLength; }
  return out.buffer;
}

/**
 * Loads a bundle: a folder path or file: URL (Node), an http(s) URL (browser or Node), or an
 * object mapping file names to bytes (e.g. the entries of the unzipped .zip).
 * options.encoderModel: a copy of the bundle's sentence encoder (a folder path, a URL, or a
 * {name: bytes} map of config.json, tokenizer.json, tokenizer_config.json, model.safetensors)
 * instead of the Hugging Face hub; options.tokenizers: the @huggingface/tokenizers module;
 * options.backend: a tfjs backend to run on (in Node the default is wasm when
 * @tensorflow/tfjs-backend-wasm is installed, else cpu).
 */
export async function load(bundle, options = {}) {
  const spec = await readJson(bundle, 'inference.json');
  if (spec.format !== FORMAT || spec.formatVersion !== FORMAT_VERSION) {
    throw new Error('distillery-student: this file reads ' + FORMAT + ' v' + FORMAT_VERSION + ', the bundle is ' + spec.format + ' v' + spec.formatVersion);
  }
  if (spec.input.kind === 'transformer') return loadTransformer(spec, bundle, options);
  const modelJson = await readJson(bundle, 'model.json');
  const weightSpecs = [];
  const parts = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) parts.push(await readBundleFile(bundle, p));
  }
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs,
    weightData: concatBuffers(parts),
  }));
  const encode = await makeEncoder(spec, bundle, options);
  const labels = spec.labels;
  const batchSize = options.batchSize || 128;

  /** Classifies texts: one {label, scores} per text, scores mapping every label to its probability. */
  async function predict(texts) {
    if (typeof texts === 'string') texts = [texts];
    const results = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = texts.slice(start, start + batchSize);
      const x = await encode(batch);
      const y = tf.tidy(() => {
        const out = model.predict(x);
        return spec.output === 'logits' ? tf.softmax(out) : out;
      });
      const probs = await y.array();
      x.dispose();
      y.dispose();
      for (const row of probs) results.push(labeledScores(labels, row));
    }
    return results;
  }

  return { labels, spec, model, predict, dispose: () => model.dispose() };
}
`;

export function inferenceModuleSource(): string {
  return [
    '// distillery-student.mjs: runs a Distillery student bundle in browsers and Node.',
    '// Dependencies: @tensorflow/tfjs; @huggingface/tokenizers only for sentence-encoder and fine-tuned transformer bundles',
    '// (in Node, @tensorflow/tfjs-backend-wasm beside them makes a transformer ~100x faster than tfjs\'s cpu backend).',
    '//   const student = await load(\'./my-bundle/\');  const [r] = await student.predict([\'some text\']);',
    "import * as tf from '@tensorflow/tfjs';",
    '',
    '// ---- The word tokenizer, generated from Distillery\'s src/core/encode/tokenize.ts ----',
    TOKENIZER_JS,
    '',
    '// ---- Vocabulary lookup, generated from Distillery\'s src/core/encode/word-vectors.ts ----',
    LOOKUP_JS,
    '',
    '// ---- Token ids, generated from Distillery\'s src/core/encode/token-ids.ts ----',
    TOKEN_IDS_JS,
    '',
    '// ---- Scores by label, generated from Distillery\'s src/core/bundle/scores.ts ----',
    LABELED_SCORES_JS,
    '',
    '// ---- The TF.js BERT for sentence-encoder and fine-tuned transformer bundles, generated from Distillery\'s src/core/transformer/ ----',
    'class UserError extends Error { constructor(code, message, hint) { super(hint ? message + \' \' + hint : message); this.name = \'UserError\'; this.code = code; } }',
    '/** @huggingface/tokenizers\' Tokenizer class, imported on first use (word-vector bundles never need it). */',
    'let Tokenizer;',
    TRANSFORMER_JS,
    '',
    '// ---- Loading and prediction ----',
    RUNTIME.replace('__FORMAT__', JSON.stringify(BUNDLE_FORMAT_NAME)).replace('__FORMAT_VERSION__', String(BUNDLE_FORMAT_VERSION)).trim(),
    '',
    'export { tokenize };',
    '',
  ].join('\n');
}

/** `example.mjs`: `node example.mjs "a text" …` or `node example.mjs --input texts.txt` (one per line). */
export function exampleSource(sampleTexts: string[]): string {
  return [
    "// Usage: npm install @tensorflow/tfjs  (and @huggingface/tokenizers for a sentence-encoder or transformer bundle,",
    "//        plus @tensorflow/tfjs-backend-wasm to run a transformer fast in Node)",
    '//        node example.mjs "a text to classify" ["another" …]',
    '//        node example.mjs --input texts.txt        # one text per line',
    "// Prints one JSON line per text: {\"text\", \"label\", \"scores\"}.",
    `import { load } from './${FILES.inferenceModule}';`,
    '',
    `const SAMPLES = ${JSON.stringify(sampleTexts)};`,
    '',
    'const args = process.argv.slice(2);',
    'let texts = args.length ? args : SAMPLES;',
    "if (args[0] === '--input') {",
    "  const { readFile } = await import('node:fs/promises');",
    "  texts = (await readFile(args[1], 'utf8')).split(/\\r?\\n/).filter((t) => t.trim() !== '');",
    '}',
    '',
    "const student = await load(new URL('.', import.meta.url));",
    'const results = await student.predict(texts);',
    'results.forEach((r, i) => console.log(JSON.stringify({ text: texts[i], label: r.label, scores: r.scores })));',
    'student.dispose();',
    '',
  ].join('\n');
}
