/**
 * The fine-tuned transformer's choices, measured on VALIDATION only (the test splits are never
 * read here): learning rates of the body and the head, the few-example setups (plain fine-tuning,
 * a SetFit-style contrastive stage, frozen lower layers), and what cost can be saved (training only
 * the top k layers from cached lower-layer outputs, a frozen word-embedding matrix).
 *
 * Each row is one training run, cached in bench/out/choices/<key>.json (git-ignored), so a killed
 * or repeated run skips what is done, and two processes can share the work (`--shard 0/2`,
 * `--shard 1/2`, or a second one started later with `--reverse`); a last run without --shard prints
 * the table from the cache.
 *
 *   npx tsx bench/finetune-choices.ts --set sanity|lr|fewshot|cost [--shard i/n] [--datasets sst2_sentence,ag_news]
 *     [--sst2-sample N] [--only TEXT] [--reverse] [--print]
 *
 * --set sanity: one short run (1,000 SST-2 sentences, 2 epochs) to see that it works and how fast;
 * lr: body × head learning rates (SST-2 full, AG News 2,000); fewshot: the four few-example
 * setups at 8 and 16 per class, 3 draws; cost: embeddings trained or frozen, top 3 or top 1 layers
 * over cached lower layers (SST-2 full, AG News 2,000). --sst2-sample N: the lr and cost sets'
 * SST-2 rows train on a seeded stratified N of the training sentences (validation stays the dev
 * split). --only TEXT:
 * only the rows whose setting contains TEXT (e.g. "body 0.00005"). --print only
 * prints the table of what is cached.
 * Needs all-MiniLM-L6-v2 (`npm run models`) and ../shared/datasets. It is slow on a CPU: one
 * SST-2-full run is about an hour on 2 shared cores (the lr set alone is a day's work), so
 * run it on a machine of its own, sharded over processes if it has the cores.
 *
 * Validation: SST-2's dev split; AG News: a seeded 10% of its 10k training sample (the rest trains),
 * as bench:student. Few-shot rows: 8 or 16 per class drawn from train, validation another 8 (or 16)
 * per class from train, mean of 3 draws.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { textHash } from '../src/core/dataset/hash.js';
import { pretrainedByName } from '../src/core/encode/by-name-node.js';
import type { StudentHyper } from '../src/core/student/spec.js';
import { evaluate, type Metrics } from '../src/core/student/metrics.js';
import { predict } from '../src/core/student/predict.js';
import { trainStudent, type LabeledTexts, type TransformerFeatures } from '../src/core/student/student.js';
import { DATASETS, sharedDatasetsPresent, splitPerClass, type LabeledText } from './datasets.js';

const { values } = parseArgs({ options: {
  set: { type: 'string', default: 'lr' }, shard: { type: 'string' }, datasets: { type: 'string', default: 'sst2_sentence,ag_news' },
  print: { type: 'boolean', default: false }, shots: { type: 'string', default: '8,16' },
  // The lr and cost sets on a seeded stratified sample of SST-2's training sentences instead of all
  // 6,920: an SST-2-full run is about an hour here, a 2,000-sentence one about a quarter of that.
  'sst2-sample': { type: 'string', default: 'full' },
  // A second process started later takes the rows from the end, so the two meet in the middle.
  reverse: { type: 'boolean', default: false },
  only: { type: 'string' },
} });
const sst2Data = values['sst2-sample']!;
if (!sharedDatasetsPresent()) {
  console.error('finetune-choices needs ../shared/datasets next to the repository; not found.');
  process.exit(1);
}
const OUT = 'bench/out/choices';
mkdirSync(OUT, { recursive: true });

interface Row {
  set: string;
  dataset: string;
  /** 'full', or `${k}/class` */
  data: string;
  draw: number;
  hyper: Partial<StudentHyper>;
  label: string;
}

const rowsOf: Record<string, () => Row[]> = {
  sanity: () => [{ set: 'sanity', dataset: 'sst2_sentence', data: '1000', draw: 0, hyper: { epochs: 2 }, label: 'defaults, 2 epochs' }],
  lr: () => {
    const out: Row[] = [];
    for (const dataset of ['sst2_sentence', 'ag_news']) {
      for (const body of [2e-5, 5e-5, 1e-4]) {
        for (const head of [1e-3, 1e-2]) out.push({ set: 'lr', dataset, data: dataset === 'ag_news' ? '2000' : sst2Data, draw: 0, hyper: { bodyLearningRate: body, learningRate: head }, label: `body ${body}, head ${head}` });
      }
    }
    return out;
  },
  fewshot: () => {
    const out: Row[] = [];
    for (const dataset of ['sst2_sentence', 'ag_news']) {
      for (const shots of values.shots!.split(',').map(Number)) {
        for (let draw = 0; draw < 3; draw++) {
          const r = (hyper: Partial<StudentHyper>, label: string) => out.push({ set: 'fewshot', dataset, data: `${shots}/class`, draw, hyper, label });
          // contrastivePairs 0 where the setup has no stage: at 16 per class or fewer the default adds it.
          r({ contrastivePairs: 0 }, 'plain fine-tuning');
          r({ contrastivePairs: 20, trainLayers: 0 }, 'SetFit: contrastive 20 pairs/example, then the head');
          r({ contrastivePairs: 20 }, 'contrastive, then fine-tuning all');
          r({ trainLayers: 2, contrastivePairs: 0 }, 'top 2 layers only');
        }
      }
    }
    return out;
  },
  cost: () => {
    const out: Row[] = [];
    for (const dataset of ['sst2_sentence', 'ag_news']) {
      const data = dataset === 'ag_news' ? '2000' : sst2Data;
      const r = (hyper: Partial<StudentHyper>, label: string) => out.push({ set: 'cost', dataset, data, draw: 0, hyper, label });
      r({ freezeEmbeddings: false }, 'all weights (word embeddings trained)');
      r({}, 'word embeddings frozen (default)');
      r({ trainLayers: 3 }, 'top 3 layers, lower 3 cached');
      r({ trainLayers: 1 }, 'top layer, lower 5 cached');
    }
    return out;
  },
};

const rowKey = (r: Row) => `${r.set}-${r.dataset}-${r.data.replace('/', 'per')}-d${r.draw}-${textHash(JSON.stringify(r.hyper))}`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const lt = (xs: LabeledText[]): LabeledTexts => ({ texts: xs.map((x) => x.text), labels: xs.map((x) => x.label) });

function data(r: Row): { train: LabeledText[]; val: LabeledText[]; heldOut?: LabeledText[] } {
  const ds = DATASETS[r.dataset]!();
  let train = ds.train;
  let val = ds.val;
  if (!val) [val, train] = splitPerClass(ds.train, 1, (n) => [Math.round(n * 0.1), n]);
  if (r.data.endsWith('/class')) {
    // As a user with k examples per class: training and early stopping see k + k per class. A
    // validation of 16 texts cannot tell the setups apart, so each run is also scored on the
    // large validation set (SST-2's dev split, AG News's held-out 10%), which it never saw.
    const k = Number(r.data.split('/')[0]);
    const [few, fewVal] = splitPerClass(train, 100 + r.draw, () => [k, k]);
    return { train: few, val: fewVal, heldOut: val };
  }
  if (r.data !== 'full') {
    // A seeded stratified sample of the training part (the cost of a sweep on all of AG News is hours).
    const n = Number(r.data);
    [train] = splitPerClass(train, 7, (m) => [Math.round((m * n) / train.length), 0]);
  }
  return { train, val };
}

let features: TransformerFeatures | undefined;
async function run(r: Row): Promise<Record<string, unknown>> {
  // pretrainedByName registers tfjs's wasm backend, the first of the transformer's backends that starts in Node.
  features ??= { kind: 'transformer', base: await pretrainedByName('minilm', { log: (l) => console.error(l) }) };
  const { train, val, heldOut } = data(r);
  const t0 = performance.now();
  let peakTf = 0;
  let peakRss = 0;
  const s = await trainStudent(lt(train), lt(val), features, {
    hyper: { ...r.hyper, seed: 42 + r.draw },
    onStep: (p) => {
      peakTf = Math.max(peakTf, tf.memory().numBytes);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (p.step % 20 === 0) console.error(`  ${rowKey(r)} epoch ${p.epoch} step ${p.step}/${p.stepsInEpoch} loss ${p.loss.toFixed(3)} ${p.examplesPerSecond.toFixed(1)} ex/s, ETA ${(p.etaSeconds / 60).toFixed(0)} min`);
    },
    onEpoch: (e) => console.error(`  ${rowKey(r)} epoch ${e.epoch}: loss ${e.loss.toFixed(4)} val acc ${pct(e.valAccuracy)} F1 ${pct(e.valMacroF1)} (${e.seconds.toFixed(0)} s)`),
  });
  const seconds = (performance.now() - t0) / 1000;
  let held: Metrics | undefined;
  if (heldOut) {
    const predicted = await predict(s, heldOut.map((x) => x.text), features);
    const labels = s.spec.labels;
    held = evaluate(heldOut.map((x) => labels.indexOf(x.label)), predicted.map((p) => labels.indexOf(p.label)), labels);
  }
  const trainSeconds = s.fit.history.reduce((a, h) => a + h.seconds, 0);
  const examples = s.fit.history.reduce((a, h) => a + h.examplesPerSecond * h.seconds, 0);
  s.model.dispose();
  return {
    ...r, key: rowKey(r), n: train.length, valN: val.length, valAccuracy: s.fit.val.accuracy, valMacroF1: s.fit.val.macroF1,
    heldOutN: heldOut?.length, heldOutAccuracy: held?.accuracy, heldOutMacroF1: held?.macroF1,
    bestEpoch: s.fit.bestEpoch, epochs: s.fit.history.length, history: s.fit.history, seconds, trainSeconds,
    trainExamplesPerSecond: examples / trainSeconds, peakTensorMB: peakTf / 2 ** 20, peakRssMB: peakRss / 2 ** 20, maxTokens: s.spec.input.maxTokens,
    finishedAt: new Date().toISOString(),
  };
}

const all = rowsOf[values.set!]!().filter((r) => values.datasets!.split(',').includes(r.dataset) && r.label.includes(values.only ?? ''));
const [shard, shards] = values.shard ? values.shard.split('/').map(Number) : [0, 1];
const done = (r: Row) => existsSync(join(OUT, `${rowKey(r)}.json`));
if (!values.print) {
  const order = [...all.entries()];
  if (values.reverse) order.reverse();
  for (const [i, r] of order) {
    if (i % shards! !== shard || done(r)) continue;
    console.error(`${rowKey(r)}: ${r.dataset} ${r.data} draw ${r.draw}, ${r.label}`);
    const result = await run(r);
    writeFileSync(join(OUT, `${rowKey(r)}.json`), JSON.stringify(result, null, 1));
    console.error(`${rowKey(r)}: val acc ${pct(result.valAccuracy as number)} F1 ${pct(result.valMacroF1 as number)}, ${(result.seconds as number).toFixed(0)} s`);
  }
}

// The table, from every cached row (means over draws).
const groups = new Map<string, Array<Record<string, number>>>();
for (const r of all.filter(done)) {
  const k = `${r.dataset} | ${r.data} | ${r.label}`;
  groups.set(k, [...(groups.get(k) ?? []), JSON.parse(readFileSync(join(OUT, `${rowKey(r)}.json`), 'utf8'))]);
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const held = (rs: Array<Record<string, number>>, k: 'heldOutAccuracy' | 'heldOutMacroF1') => (rs[0]!.heldOutN ? `${pct(mean(rs.map((r) => r[k]!)))} ± ${(100 * sd(rs.map((r) => r[k]!))).toFixed(1)}` : '');
console.log(`| dataset | training data | setting | draws | val accuracy | val macro-F1 | held-out accuracy (n) | held-out macro-F1 | train ex/s | time/run |\n|---|---|---|---|---|---|---|---|---|---|`);
for (const [k, rs] of groups) {
  console.log(`| ${k} | ${rs.length} | ${pct(mean(rs.map((r) => r.valAccuracy)))} | ${pct(mean(rs.map((r) => r.valMacroF1)))} | ${held(rs, 'heldOutAccuracy')}${rs[0]!.heldOutN ? ` (${rs[0]!.heldOutN})` : ''} | ${held(rs, 'heldOutMacroF1')} | ${mean(rs.map((r) => r.trainExamplesPerSecond)).toFixed(1)} | ${(mean(rs.map((r) => r.seconds)) / 60).toFixed(1)} min |`);
}
