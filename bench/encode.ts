/**
 * Encoder benchmarks (prints tables; no pass/fail):
 *   1. throughput: GloVe (mean, mean-max) on short (SST-2) and long (IMDb) texts (the pretrained
 *      transformer's speed is bench/transformer-speed.ts);
 *   2. GloVe pooling: test accuracy of a plain softmax regression on frozen mean vs mean-max
 *      features (SST-2 sentence split, AG News 10k -> official test), to pick the default.
 *
 *   npx tsx bench/encode.ts          (needs ../shared/datasets and `npm run build:vectors`)
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GloveEncoder, type GlovePooling } from '../src/core/encode/glove.js';
import { loadWordVectorsFromDisk } from '../src/core/encode/word-vectors-node.js';

const D = resolve('../shared/datasets');
if (!existsSync(D)) { console.log('bench/encode: ../shared/datasets is absent; nothing to measure.'); process.exit(0); }

interface Split { texts: string[]; labels: number[] }
const sst = (f: string): Split => {
  const rows = readFileSync(`${D}/sst2_sentence/stsa.binary.${f}`, 'utf8').split('\n').filter(Boolean);
  return { texts: rows.map((r) => r.slice(2)), labels: rows.map((r) => Number(r[0])) };
};
const agTrain = (): Split => {
  const classes = readFileSync(`${D}/ag_news/classes.txt`, 'utf8').split('\n').filter(Boolean);
  const rows = readFileSync(`${D}/ag_news/train_sample_10k.tsv`, 'utf8').split('\n').filter(Boolean).map((r) => r.split('\t'));
  return { texts: rows.map((r) => r[0]!), labels: rows.map((r) => classes.indexOf(r[1] === 'Sci/Tech' ? 'Tech' : r[1]!)) };
};
const agTest = (): Split => {
  const rows = readFileSync(`${D}/ag_news/test.csv`, 'utf8').split('\n').filter(Boolean)
    .map((l) => l.match(/^"(\d)","(.*)","(.*)"$/)).filter((m): m is RegExpMatchArray => !!m);
  return { texts: rows.map((m) => `${m[2]} ${m[3]}`.replace(/""/g, '"')), labels: rows.map((m) => Number(m[1]) - 1) };
};
const imdb = (): string[] => readFileSync(`${D}/imdb/train_subset_2000.jsonl`, 'utf8').split('\n').filter(Boolean)
  .map((l) => (JSON.parse(l) as { text: string }).text);

async function rate(label: string, texts: string[], run: () => Promise<unknown>): Promise<void> {
  await run(); // warm-up
  const t = performance.now();
  await run();
  const s = (performance.now() - t) / 1000;
  console.log(`| ${label.padEnd(44)} | ${String(texts.length).padStart(6)} | ${(texts.length / s).toFixed(0).padStart(9)} |`);
}

/** Multinomial logistic regression, full batch, Adam, L2; standardised features. */
function softmaxRegression(X: Float32Array[], y: number[], k: number, epochs = 300, l2 = 1e-3) {
  const d = X[0]!.length, n = X.length;
  const mu = new Float64Array(d), sd = new Float64Array(d);
  for (const x of X) for (let j = 0; j < d; j++) mu[j]! += x[j]! / n;
  for (const x of X) for (let j = 0; j < d; j++) sd[j]! += (x[j]! - mu[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) + 1e-6;
  const z = (x: Float32Array) => Float64Array.from(x, (v, j) => (v - mu[j]!) / sd[j]!);
  const Z = X.map(z);
  const W = new Float64Array(k * (d + 1)), m = new Float64Array(W.length), v = new Float64Array(W.length);
  const logits = (x: Float64Array) => {
    const o = new Float64Array(k);
    for (let c = 0; c < k; c++) { let s = W[c * (d + 1) + d]!; for (let j = 0; j < d; j++) s += W[c * (d + 1) + j]! * x[j]!; o[c] = s; }
    return o;
  };
  for (let e = 1; e <= epochs; e++) {
    const g = new Float64Array(W.length);
    Z.forEach((x, i) => {
      const o = logits(x); const mx = Math.max(...o); let s = 0;
      for (let c = 0; c < k; c++) { o[c] = Math.exp(o[c]! - mx); s += o[c]!; }
      for (let c = 0; c < k; c++) {
        const r = o[c]! / s - (y[i] === c ? 1 : 0);
        for (let j = 0; j < d; j++) g[c * (d + 1) + j]! += r * x[j]! / n;
        g[c * (d + 1) + d]! += r / n;
      }
    });
    for (let p = 0; p < W.length; p++) {
      const gp = g[p]! + ((p % (d + 1)) === d ? 0 : l2 * W[p]!);
      m[p] = 0.9 * m[p]! + 0.1 * gp; v[p] = 0.999 * v[p]! + 0.001 * gp * gp;
      W[p]! -= 0.05 * (m[p]! / (1 - 0.9 ** e)) / (Math.sqrt(v[p]! / (1 - 0.999 ** e)) + 1e-8);
    }
  }
  return (x: Float32Array) => { const o = logits(z(x)); return o.indexOf(Math.max(...o)); };
}

const wv = await loadWordVectorsFromDisk();
const sstTrain = sst('train'), sstTest = sst('test'), agTr = agTrain(), agTe = agTest(), reviews = imdb();
console.log(`GloVe table: ${wv.words.length} words x ${wv.dim}\n`);
console.log('| encoder (Node, 1 thread)                     |  texts |  texts/s  |');
console.log('|----------------------------------------------|--------|-----------|');
for (const pooling of ['mean', 'mean-max'] as GlovePooling[]) {
  const enc = new GloveEncoder(wv, { pooling });
  await rate(`glove ${pooling}, SST-2 sentences`, sstTrain.texts, () => enc.encode(sstTrain.texts));
  await rate(`glove ${pooling}, IMDb reviews (~230 words)`, reviews, () => enc.encode(reviews));
}

console.log('\nGloVe pooling, softmax regression on frozen features (test accuracy):');
console.log('| dataset                 | mean   | mean-max |');
console.log('|-------------------------|--------|----------|');
for (const [name, tr, te, k] of [['sst2_sentence', sstTrain, sstTest, 2], ['ag_news 10k -> test', agTr, agTe, 4]] as const) {
  const acc: string[] = [];
  for (const pooling of ['mean', 'mean-max'] as GlovePooling[]) {
    const enc = new GloveEncoder(wv, { pooling });
    const predict = softmaxRegression(await enc.encode(tr.texts), tr.labels, k);
    const Xte = await enc.encode(te.texts);
    acc.push((100 * Xte.filter((x, i) => predict(x) === te.labels[i]).length / Xte.length).toFixed(1) + '%');
  }
  console.log(`| ${name.padEnd(23)} | ${acc[0]!.padEnd(6)} | ${acc[1]!.padEnd(8)} |`);
}
