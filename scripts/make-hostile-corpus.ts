/**
 * Writes tests/fixtures/hostile/: small files a careless user or an attacker could hand to
 * Distillery (issue 18), and expected.json, the outcome each must have for `inspect`, `train`,
 * `synth` and bundle import (`predict --bundle`). tests/unit/hostile-corpus.test.ts runs every one
 * through the real CLI commands: each gives its clear message or a correct result, never a stack
 * trace or a hang, within bounded memory.
 *
 * Inputs that cannot be files in git (/dev/zero, a FIFO, a folder, a missing path, a sparse file
 * past the size cap) are listed in expected.json as `special` and made by the test.
 *
 *   npx tsx scripts/make-hostile-corpus.ts [OUT_DIR]
 *
 * Deterministic apart from zip timestamps (written in the local time zone, as zip stores them).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, zipSync, type Zippable } from 'fflate';
import * as tf from '@tensorflow/tfjs';
import { buildBundleFiles, type BundleInput, type ModelParts } from '../src/core/bundle/export.js';
import { buildManifest } from '../src/core/bundle/manifest.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = process.argv[2] ?? join(ROOT, 'tests', 'fixtures', 'hostile');

/** What a command must do with a file: its exit status, and a pattern its message (stderr) matches. */
export interface Outcome { code: number; stderr?: string }
export interface Entry {
  file: string;
  /** Made by the test instead of stored: a device, a FIFO, a folder, a missing path, a sparse file. */
  special?: 'dev-zero' | 'fifo' | 'folder' | 'missing' | 'sparse-60mb';
  why: string;
  inspect: Outcome & { accepted?: number; rows?: number; classes?: Record<string, number>; warnings?: string[] };
  train: Outcome;
  synth: Outcome;
  import: Outcome;
}

const enc = (s: string) => new TextEncoder().encode(s);
const ok: Outcome = { code: 0 };
const refuse = (stderr: string): Outcome => ({ code: 1, stderr });
/** The same refusal from every command that reads the file as data. */
const dataRefusal = (stderr: string) => ({ inspect: refuse(stderr), train: refuse(stderr), synth: refuse(stderr) });
const NOT_ZIP = refuse('is not a zip archive');
const ZIP_AS_DATA = 'is a ZIP archive \\(or an Excel/Word file\\), not a text file';

function rows(n: number, from = 0): string {
  const W = ['quick', 'river', 'bright', 'stone', 'quiet', 'market', 'storm', 'garden', 'silver', 'winter', 'coffee', 'engine', 'lantern', 'meadow', 'harbor', 'violet'];
  let s = '';
  for (let i = from; i < from + n; i++) s += `${i % 2 ? 'pos' : 'neg'}\tthe ${W[i % 16]} ${W[(i * 7 + 3) % 16]} ${W[(i * 5 + 1) % 16]} story number ${i}\n`;
  return s;
}

const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const gz = (b: Uint8Array) => gzipSync(b, { level: 9, mtime: 0 });

/** A tiny token-id student with seeded weights (no training: only its shape matters here). */
async function tinyBundleFiles(): Promise<Record<string, Uint8Array>> {
  await tf.setBackend('cpu');
  const vocab = ['[PAD]', '[UNK]', 'good', 'bad', 'film', 'fine', 'awful', 'great'];
  const model = tf.sequential({ layers: [
    tf.layers.embedding({ inputDim: vocab.length, outputDim: 4, inputLength: 6, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 1 }) }),
    tf.layers.globalAveragePooling1d(),
    tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
  ] });
  let parts: ModelParts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    parts = { modelTopology: a.modelTopology as object, weightSpecs: a.weightSpecs as ModelParts['weightSpecs'], weightData: a.weightData as ArrayBuffer };
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  const at = '2026-01-01T00:00:00.000Z';
  const input: BundleInput = {
    name: 'Hostile corpus student', labels: ['neg', 'pos'], model: parts!,
    input: { kind: 'token-ids', vocabFile: 'vocab.txt', vocabSize: vocab.length, maxLen: 6, padId: 0, oovId: 1, padding: 'post', truncating: 'post', lookup: 'exact' },
    output: 'softmax', vocab, student: { kind: 'pooled-embedding', hyperparameters: { dim: 4 } }, metrics: {},
    examples: [
      { id: 'a', text: 'a good film', label: 'pos', split: 'train', provenance: { source: 'seed', round: 0, createdAt: at } },
      { id: 'b', text: 'an awful film', label: 'neg', split: 'train', provenance: { source: 'seed', round: 0, createdAt: at } },
    ],
    createdAt: at,
  };
  return buildBundleFiles(input);
}

const MTIME = new Date('2020-01-01T00:00:00Z');
const zip = (z: Zippable) => zipSync(z, { mtime: MTIME });

/** The bundle with `mutate` applied and the manifest rewritten to match (unless `keepManifest`). */
async function crafted(base: Record<string, Uint8Array>, mutate: (f: Record<string, Uint8Array>) => void, keepManifest = false): Promise<Record<string, Uint8Array>> {
  const f = { ...base };
  const manifest = f['manifest.json'];
  delete f['manifest.json'];
  mutate(f);
  f['manifest.json'] = keepManifest ? manifest : enc(JSON.stringify(await buildManifest(f, '2026-01-01T00:00:00.000Z'), null, 2));
  return f;
}

/** Renames every occurrence of a zip entry's name in the archive bytes (local header and directory). */
function renameEntry(bytes: Uint8Array, from: string, to: string): Uint8Array {
  if (from.length !== to.length) throw new Error('same length only');
  const a = enc(from); const b = enc(to); const out = bytes.slice();
  for (let i = 0; i + a.length <= out.length; i++) if (a.every((x, k) => out[i + k] === x)) out.set(b, i);
  return out;
}

export async function buildCorpus(): Promise<{ files: Record<string, Uint8Array>; entries: Entry[] }> {
  const files: Record<string, Uint8Array> = {};
  const entries: Entry[] = [];
  const add = (file: string, bytes: Uint8Array | null, e: Omit<Entry, 'file'>) => {
    if (bytes) files[file] = bytes;
    entries.push({ file, ...e });
  };

  // ---- data files -----------------------------------------------------------------------------
  add('empty.csv', new Uint8Array(0), { why: 'zero bytes', ...dataRefusal('is empty \\(0 bytes\\)'), import: NOT_ZIP });
  add('blank-lines.csv', enc('\n  \n\t\n\n'), { why: 'only blank lines', ...dataRefusal('has no text in it'), import: NOT_ZIP });
  add('image-named.csv', cat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), new Uint8Array(64)), { why: 'a PNG named .csv', ...dataRefusal('is a PNG image, not a text file'), import: NOT_ZIP });
  add('latin1.csv', cat(enc('text,label\ncaf'), new Uint8Array([0xe9]), enc(' au lait,pos\nthe tea,neg\n')), { why: 'Windows-1252, not UTF-8', ...dataRefusal('not valid UTF-8 \\(first bad byte at offset 14\\)'), import: NOT_ZIP });
  add('utf16-no-bom.csv', new Uint8Array([...'text,label\nhello,pos\n'].flatMap((c) => [c.charCodeAt(0), 0])), { why: 'UTF-16 without a byte-order mark', ...dataRefusal('UTF-16 text without a byte-order mark'), import: NOT_ZIP });
  // An x86-64 program renamed .csv: its NULs fill both byte lanes (was: "UTF-16 text without a byte-order mark").
  const words = new Uint8Array(2048);
  for (let i = 0; i < words.length; i += 8) new DataView(words.buffer).setBigUint64(i, BigInt((i * 4099) % 65_521), true);
  add('elf-named.csv', cat(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0, 1, 0, 0, 0]), words), { why: 'an executable program renamed .csv (was: called UTF-16 text)', ...dataRefusal('is an executable program \\(ELF\\), not a text file'), import: NOT_ZIP });
  add('binary-nul.csv', cat(enc('text,label\nab'), new Uint8Array([0, 1, 2, 0, 3]), enc(',pos\n')), { why: 'NUL bytes in a text file', ...dataRefusal('contains binary data \\(NUL bytes\\)'), import: NOT_ZIP });
  add('multi-member.tsv.gz', cat(gz(enc('label\ttext\n' + rows(220))), gz(enc(rows(80, 220)))), {
    why: 'cat a.gz b.gz: every member must be read (was: the first member only)',
    inspect: { code: 0, rows: 300, accepted: 300, classes: { neg: 150, pos: 150 }, warnings: [] }, train: ok, synth: ok, import: NOT_ZIP,
  });
  const whole = gz(enc('label\ttext\n' + rows(400)));
  add('truncated.tsv.gz', whole.slice(0, Math.floor(whole.length / 2)), { why: 'a download cut short (was: "2766 MB, over the limit")', ...dataRefusal('is a truncated gzip file'), import: NOT_ZIP });
  const lie = whole.slice();
  new DataView(lie.buffer).setUint32(lie.length - 4, 500, true);
  add('lying-size.tsv.gz', lie, { why: 'a size trailer that lies (was: data cut at that size)', ...dataRefusal('says it holds 500 bytes but inflates to \\d+'), import: NOT_ZIP });
  add('trailing-garbage.tsv.gz', cat(gz(enc('label\ttext\n' + rows(20))), enc('this is not gzip')), { why: 'bytes after the gzip stream', ...dataRefusal('could not be decompressed'), import: NOT_ZIP });
  add('bomb.csv.gz', gz(new Uint8Array(51 * 1024 * 1024).fill(97)), { why: '50 KB that inflates to 51 MB: refused at the 50 MB cap while inflating', ...dataRefusal('is over the 50\\.0 MB limit once decompressed'), import: NOT_ZIP });
  add('one-column.csv', enc('text\nfirst review here\nsecond review here\n'), { why: 'no label column', ...dataRefusal('has only one column'), import: NOT_ZIP });
  add('one-class.csv', enc('text,label\na good film,pos\nanother good one,pos\na third good film,pos\n'), {
    why: 'a single class', inspect: { code: 0, accepted: 3, warnings: ['one-class'] },
    train: refuse('only one label \\(pos\\); a classifier needs at least two'), synth: refuse('A classifier needs at least two labels'), import: NOT_ZIP,
  });
  const protoRows = ['constructor', 'toString', '__proto__', 'hasOwnProperty'].flatMap((l, k) => Array.from({ length: 4 }, (_, i) => `a ${['plain', 'short', 'small', 'simple'][i]} text ${k * 10 + i} about ${['rivers', 'stones', 'storms', 'gardens'][k]},${l}`));
  add('proto-labels.csv', enc('text,label\n' + protoRows.join('\n') + '\n'), {
    why: 'labels named like Object members (was: "function Object() { [native code] }1 NaN%", __proto__ gone)',
    inspect: { code: 0, accepted: 16, classes: Object.fromEntries([['constructor', 4], ['toString', 4], ['__proto__', 4], ['hasOwnProperty', 4]]), warnings: [] }, train: ok, synth: ok, import: NOT_ZIP,
  });
  add('plain-sentences.txt', enc(['the movie was a delight', 'an overlong and tedious mess', 'the acting is superb', 'an instant classic', 'the plot makes no sense', 'an uneven comedy', 'the ending is perfect', 'an awful script'].join('\n') + '\n'), {
    why: 'sentences, not LABEL TEXT lines: labels "the" and "an" get a warning',
    inspect: { code: 0, accepted: 8, classes: { the: 4, an: 4 }, warnings: ['labels-look-like-words'] }, train: ok, synth: ok, import: NOT_ZIP,
  });
  add('unique-labels.csv', enc('text,label\n' + Array.from({ length: 12 }, (_, i) => `a review with some words number ${i},id-${i}`).join('\n') + '\n'), {
    why: 'an id column taken as the label: every row its own label',
    inspect: { code: 0, accepted: 12, warnings: ['labels-mostly-unique', 'tiny-class'] }, train: refuse('No validation examples'), synth: ok, import: NOT_ZIP,
  });
  add('formula-texts.csv', enc('text,label\n"=HYPERLINK(""http://evil.example"",""x"")",pos\n+1+1 cells,neg\n-2+3 more,pos\n@SUM(1 1),neg\n"=1+1\nsecond line",pos\nplain text,neg\n'), {
    why: 'spreadsheet formulas as texts: kept exact in the data, neutralised in CSV exports', inspect: { code: 0, accepted: 6, warnings: [] }, train: ok, synth: ok, import: NOT_ZIP,
  });
  add('unterminated-quote.csv', enc('text,label\nfine text,pos\n"never closed,neg\nother,pos\n'), {
    why: 'a quote never closed swallows the rest of the file: one malformed row, not a crash', inspect: { code: 0, accepted: 1, warnings: ['one-class', 'tiny-class', 'many-rejected'] },
    train: refuse('No validation examples'), synth: refuse('at least two labels'), import: NOT_ZIP,
  });
  add('bad.json', enc('[{"text": "a", "label": "x"}, {"text": '), { why: 'JSON cut short', ...dataRefusal('is not valid JSON'), import: NOT_ZIP });
  add('deep-nesting.jsonl', enc(`{"text": ${'['.repeat(20_000)}${']'.repeat(20_000)}, "label": "a"}\n` + ['one', 'two', 'three', 'four'].map((w, i) => JSON.stringify({ text: `text ${w}`, label: i % 2 ? 'a' : 'b' })).join('\n') + '\n'), {
    why: 'a value nested 20,000 deep (was: RangeError from JSON.stringify)', inspect: { code: 0, accepted: 4, rows: 5 }, train: ok, synth: ok, import: NOT_ZIP,
  });
  add('proto-keys.jsonl', enc('{"text": "first text", "label": "a"}\n{"text": "second text", "label": "b", "valueOf": {}}\n{"text": "third text", "label": "a"}\n{"text": "fourth text", "label": "b"}\n'), {
    why: 'a key named valueOf in one row (was: TypeError reading Object.prototype.valueOf)', inspect: { code: 0, accepted: 4 }, train: ok, synth: ok, import: NOT_ZIP,
  });
  add('long-text.csv', enc(`text,label\n${'word '.repeat(5000)},pos\nshort one,neg\nshort two,pos\nshort three,neg\n`), {
    why: 'a 25,000-character text: rejected with its reason', inspect: { code: 0, accepted: 3, rows: 4 }, train: ok, synth: ok, import: NOT_ZIP,
  });

  // ---- paths that are not regular files (made by the test) ------------------------------------
  const notFile = (file: string, special: Entry['special'], msg: string, why: string) => add(file, null, { special, why, inspect: refuse(msg), train: refuse(msg), synth: refuse(msg), import: refuse(msg) });
  notFile('dev-zero', 'dev-zero', 'is a character device, not a regular file', '/dev/zero never ends (was: 5 GB read before being killed)');
  notFile('fifo', 'fifo', 'is a named pipe \\(FIFO\\), not a regular file', 'a FIFO would block waiting for a writer');
  notFile('folder', 'folder', 'is a folder, not a regular file', 'a folder');
  notFile('missing.csv', 'missing', 'Cannot read .*missing\\.csv: no such file', 'no such file');
  add('sparse-60mb.csv', null, { special: 'sparse-60mb', why: 'a 60 MB file: refused by its size before reading',
    inspect: refuse('is 60\\.0 MB, over the 50\\.0 MB limit'), train: refuse('is 60\\.0 MB, over the 50\\.0 MB limit'), synth: refuse('is 60\\.0 MB, over the 50\\.0 MB limit'), import: NOT_ZIP });

  // ---- bundles --------------------------------------------------------------------------------
  const base = await tinyBundleFiles();
  const asData = dataRefusal(ZIP_AS_DATA);
  const bundle = async (file: string, why: string, stderr: string | null, mutate?: (f: Record<string, Uint8Array>) => void, opts: { keepManifest?: boolean; raw?: (z: Uint8Array) => Uint8Array } = {}) => {
    const f = mutate ? await crafted(base, mutate, opts.keepManifest) : base;
    let bytes: Uint8Array = zip(f);
    if (opts.raw) bytes = opts.raw(bytes);
    add(file, bytes, { why, ...asData, import: stderr === null ? ok : refuse(stderr) });
  };
  await bundle('bundle-ok.zip', 'a valid bundle: predicts', null);
  await bundle('bundle-labels-object.zip', 'labels.json an object, hashes matching (was: exit 0 with "undefined" scores, a blank panel in the app)', "labels\\.json is an object, not a list of labels", (f) => { f['labels.json'] = enc('{"neg": 0, "pos": 1}'); });
  await bundle('bundle-short-weights.zip', 'weights.bin cut short, hashes matching (was: a tfjs stack trace)', 'weights are \\d+ bytes, but its model needs \\d+', (f) => { f['weights.bin'] = f['weights.bin'].slice(0, 40); });
  await bundle('bundle-broken-jsonl.zip', 'data/train.jsonl not JSONL, hashes matching (was: a SyntaxError stack trace)', 'data/train\\.jsonl line 3 is not valid JSON', (f) => { f['data/train.jsonl'] = cat(f['data/train.jsonl'], enc('{"id": broken\n')); });
  await bundle('bundle-unlisted.zip', 'entries the manifest does not list: a path escaping the folder and a 1 MB filler (was: inflated and accepted)', "holds 2 files its manifest does not list \\(\"\\.\\./\\.\\./evil\\.txt\", \"filler\\.bin\"\\)", undefined, {
    raw: () => zip({ ...base, '../../evil.txt': enc('pwned'), 'filler.bin': [new Uint8Array(1 << 20), { level: 9 }] }),
  });
  await bundle('bundle-proto-entry.zip', 'a zip entry named __proto__', 'its manifest does not list \\("__proto__"\\)', undefined, {
    raw: () => renameEntry(zip({ ...base, 'XXproto__': enc('x') }), 'XXproto__', '__proto__'),
  });
  await bundle('bundle-manifest-tostring.zip', 'the manifest lists "toString", which is not in the zip (was: passed the missing-file check)', 'missing a file: toString', undefined, {
    raw: () => {
      const m = JSON.parse(new TextDecoder().decode(base['manifest.json']));
      m.files.toString = { sha256: '0'.repeat(64), bytes: 1 };
      return zip({ ...base, 'manifest.json': enc(JSON.stringify(m)) });
    },
  });
  await bundle('bundle-size-lie.zip', 'the manifest states another size than the zip', 'is \\d+ bytes, not the \\d+ its manifest lists', undefined, {
    raw: () => {
      const m = JSON.parse(new TextDecoder().decode(base['manifest.json']));
      m.files['weights.bin'].bytes += 1000;
      return zip({ ...base, 'manifest.json': enc(JSON.stringify(m)) });
    },
  });
  await bundle('bundle-hash-mismatch.zip', 'a file changed after export (same size)', 'does not match its SHA-256', (f) => { const r = f['README.md'].slice(); r[2] ^= 0x20; f['README.md'] = r; }, { keepManifest: true });
  await bundle('bundle-wrong-version.zip', 'a newer format version', 'format version 2, but this Distillery reads version 1 only', undefined, {
    raw: () => {
      const m = JSON.parse(new TextDecoder().decode(base['manifest.json']));
      m.formatVersion = 2;
      return zip({ ...base, 'manifest.json': enc(JSON.stringify(m)) });
    },
  });
  await bundle('bundle-output-mismatch.zip', 'three labels for a two-output model', 'its labels\\.json lists 3 labels', (f) => {
    f['labels.json'] = enc('["neg", "pos", "mid"]');
    const inf = JSON.parse(new TextDecoder().decode(f['inference.json']));
    inf.labels = ['neg', 'pos', 'mid'];
    f['inference.json'] = enc(JSON.stringify(inf));
  });
  const good = zip(base);
  add('bundle-truncated.zip', good.slice(0, good.length - 30), { why: 'a download cut short', ...asData, import: refuse('is a truncated zip') });
  return { files, entries };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files, entries } = await buildCorpus();
  mkdirSync(OUT, { recursive: true });
  for (const n of readdirSync(OUT)) rmSync(join(OUT, n), { recursive: true, force: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(OUT, name), bytes);
  writeFileSync(join(OUT, 'expected.json'), JSON.stringify(entries, null, 1) + '\n');
  const size = Object.values(files).reduce((n, b) => n + b.length, 0);
  console.log(`wrote ${Object.keys(files).length} files (${(size / 1024).toFixed(0)} KB) and expected.json (${entries.length} entries) to ${OUT}`);
}
