/**
 * Student accuracy beside fastText on the shared benchmark datasets: test accuracy with the full
 * training data and with 8 examples per class (mean over seeded draws). Validation (early stopping
 * only) is the dataset's own dev split where it has one (sst2_sentence), else a seeded stratified
 * 10% of train; for 8-per-class, another 8 per class drawn from the rest of train. fastText trains
 * on the same training rows (`-epoch 25 -wordNgrams 2`, its defaults otherwise) and has no use for val.
 *
 * `--students` lists the students to compare: `word` (the GloVe word model, the default) and any
 * `--encoder` name of a sentence encoder (e.g. `minilm`: frozen all-MiniLM-L6-v2 vectors + the MLP
 * head), and `finetune` (all-MiniLM-L6-v2 fine-tuned whole, the transformer student, on tfjs's
 * wasm backend; per-step progress with examples/s and the ETA on stderr). Sentence vectors are
 * cached in bench/out/embed-cache (git-ignored), so a second run or a second draw never re-embeds
 * a text. Each row gives the training speed (examples/s, mean over epochs) and the process's peak
 * resident memory so far.
 *
 * Fine-tuning is slow on a CPU: SST-2's 6,920 sentences take about an hour on 2 shared cores
 * (a few minutes per 8-per-class draw), so run it alone, e.g.
 *   npm run bench:student -- --datasets sst2_sentence --students finetune --draws 3 --no-fasttext
 * With `--checkpoints DIR`, a full-data training saves its state after every epoch in DIR (a
 * store, as `distillery train --out` keeps one) and the same command run again continues after
 * the last finished epoch: a run longer than a sitting (AG News's 9,000 texts, all layers: 2.1 h
 * on one core) can be stopped and resumed. The time column then counts the last sitting.
 *
 *   npm run bench:student -- [--datasets sst2_sentence,ag_news,imdb] [--draws 5] [--shots 8]
 *                            [--students word,minilm,finetune] [--no-full] [--no-fasttext]
 *                            [--hyper '{"embeddingLearningRate":1e-3}']
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encoderByName, pretrainedByName } from '../src/core/encode/by-name-node.js';
import { loadWordVectorsFromDisk } from '../src/core/encode/word-vectors-node.js';
import { NodeStore } from '../src/core/store/node.js';
import { evaluate } from '../src/core/student/metrics.js';
import { predict } from '../src/core/student/predict.js';
import { mulberry32, shuffled } from '../src/core/student/random.js';
import type { StudentHyper } from '../src/core/student/spec.js';
import type { StepReport } from '../src/core/student/train.js';
import { trainStudent, type LabeledTexts, type StudentFeatures } from '../src/core/student/student.js';
import { DATASETS, sharedDatasetsPresent, splitPerClass, type LabeledText } from './datasets.js';
import { describeOverlap, removeOverlap } from '../src/core/dataset/overlap.js';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string', default: Object.keys(DATASETS).join(',') },
    draws: { type: 'string', default: '5' },
    shots: { type: 'string', default: '8' },
    'no-full': { type: 'boolean', default: false },
    'no-fasttext': { type: 'boolean', default: false },
    hyper: { type: 'string', default: '{}' },
    students: { type: 'string', default: 'word' },
    checkpoints: { type: 'string' },
  },
});
if (!sharedDatasetsPresent()) {
  console.error('bench:student needs ../shared/datasets next to the repository; not found.');
  process.exit(1);
}
const hyper = JSON.parse(values.hyper!) as Partial<StudentHyper>;
const draws = Number(values.draws);
const shots = Number(values.shots);
const wv = await loadWordVectorsFromDisk();
const cache = await NodeStore.open('bench/out/embed-cache');
const checkpoints = values.checkpoints ? await NodeStore.open(values.checkpoints) : undefined;
const studentFeatures: Array<[string, StudentFeatures]> = [];
for (const name of values.students!.split(',')) {
  if (name === 'finetune') {
    // pretrainedByName registers tfjs's wasm backend: the fine-tuning kind takes the first backend that starts (wasm here).
    studentFeatures.push(['MiniLM fine-tuned', { kind: 'transformer', base: await pretrainedByName('minilm', { log: (l) => console.error(l) }) }]);
    continue;
  }
  studentFeatures.push(name === 'word'
    ? ['GloVe word model', { kind: 'words', wv }]
    : [`${name} frozen + MLP`, { kind: 'vectors', encoder: await encoderByName(name, { wv, log: (l) => console.error(l) }), cache }]);
}
const lt = (xs: LabeledText[]): LabeledTexts => ({ texts: xs.map((x) => x.text), labels: xs.map((x) => x.label) });

async function student(features: StudentFeatures, train: LabeledText[], val: LabeledText[], test: LabeledText[], seed: number, checkpointKey?: string) {
  const t0 = performance.now();
  const progress = (p: { phase: string; done: number; total: number }) => {
    if (p.phase === 'embed' && (p.done === p.total || p.done % 2048 < 512)) console.error(`  embed ${p.done}/${p.total} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  };
  const transformer = features.kind === 'transformer';
  let lastStep = 0;
  const onStep = (p: StepReport) => {
    if (performance.now() - lastStep < 30_000 && p.step !== p.stepsInEpoch) return;
    lastStep = performance.now();
    console.error(`  epoch ${p.epoch} step ${p.step}/${p.stepsInEpoch} loss ${p.loss.toFixed(3)}, ${p.examplesPerSecond.toFixed(1)} examples/s, ETA ${(p.etaSeconds / 60).toFixed(0)} min`);
  };
  const s = await trainStudent(lt(train), lt(val), features, {
    hyper: { ...hyper, seed }, onProgress: progress,
    ...(checkpoints && checkpointKey ? {
      checkpoint: { store: checkpoints, key: checkpointKey, projectId: 'bench-student' },
      onResume: (epoch: number) => console.error(`  resuming after epoch ${epoch} from ${values.checkpoints}`),
    } : {}),
    // The small students train on cpu; the transformer on the first of its backends that starts (wasm in Node).
    ...(transformer ? { onStep } : { candidates: ['cpu'] }),
  });
  const preds = await predict(s, test.map((x) => x.text), features, { onProgress: progress });
  const m = evaluate(test.map((x) => s.spec.labels.indexOf(x.label)), preds.map((p) => p.scores), s.spec.labels);
  s.model.dispose();
  const h = s.fit.history;
  const examplesPerSecond = h.reduce((n, e) => n + e.examplesPerSecond, 0) / Math.max(1, h.length);
  return { val: s.fit.val.accuracy, test: m.accuracy, seconds: (performance.now() - t0) / 1000, epochs: h.length, best: s.fit.bestEpoch, backend: s.backend.backend, examplesPerSecond };
}

function fasttext(train: LabeledText[], test: LabeledText[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-ft-'));
  try {
    const line = (x: LabeledText) => `__label__${x.label.replace(/\s+/g, '_')} ${x.text.replace(/\s+/g, ' ').toLowerCase()}`;
    // fastText reads its file in order and does not shuffle; a file sorted by class (ag_news's sample is) would leave it predicting the last class.
    const order = shuffled(train.length, mulberry32(1));
    writeFileSync(join(dir, 'train.txt'), order.map((i) => line(train[i])).join('\n') + '\n');
    writeFileSync(join(dir, 'test.txt'), test.map(line).join('\n') + '\n');
    execFileSync('/usr/bin/fasttext', ['supervised', '-input', join(dir, 'train.txt'), '-output', join(dir, 'm'), '-epoch', '25', '-wordNgrams', '2', '-thread', '1', '-seed', '1', '-verbose', '0']);
    const out = execFileSync('/usr/bin/fasttext', ['test', join(dir, 'm.bin'), join(dir, 'test.txt')]).toString();
    return Number(/P@1\s+([\d.]+)/.exec(out)![1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (x: number) => Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`;
/** The process's peak resident memory so far (Linux reports maxRSS in KiB). */
const peakRss = () => `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`;
const rows: string[][] = [];
for (const name of values.datasets!.split(',')) {
  const ds = DATASETS[name]!();
  let train = ds.train;
  let val = ds.val;
  if (!val) [val, train] = splitPerClass(ds.train, 1, (n) => [Math.round(n * 0.1), n]);
  // No score rests on a text the student trained on (as in the app and the CLI): training texts that
  // are also validation or test texts are left out (SST-2's train and test share 2 sentences).
  const cleaned = removeOverlap(train, val, ds.test);
  train = cleaned.train;
  console.error(`${name}: ${describeOverlap(cleaned.overlap)}`);
  const ft = values['no-fasttext'] || values['no-full'] ? NaN : fasttext(train, ds.test);
  for (const [who, features] of values['no-full'] ? [] : studentFeatures) {
    const r = await student(features, train, val, ds.test, 42, `${name}:full:${who}`);
    console.error(`${name} full, ${who}: val ${pct(r.val)} test ${pct(r.test)} (${r.seconds.toFixed(0)} s, best epoch ${r.best}/${r.epochs}); fastText ${pct(ft)}`);
    rows.push([name, 'full', String(train.length), who, pct(r.val), pct(r.test), pct(ft), `${r.seconds.toFixed(0)} s`, `${r.examplesPerSecond.toFixed(1)} (${r.backend})`, peakRss()]);
  }
  for (const [who, features] of draws > 0 ? studentFeatures : []) {
    const acc: number[] = [];
    const fts: number[] = [];
    const vals: number[] = [];
    let secs = 0;
    let speed = 0;
    let backend = '';
    for (let d = 0; d < draws; d++) {
      const [drawn, fewVal] = splitPerClass(ds.train, 100 + d, () => [shots, shots]);
      const few = removeOverlap(drawn, fewVal, ds.test).train;
      const r = await student(features, few, fewVal, ds.test, 42 + d);
      acc.push(r.test); vals.push(r.val); secs += r.seconds; speed += r.examplesPerSecond; backend = r.backend;
      if (!values['no-fasttext']) fts.push(fasttext(few, ds.test));
      console.error(`${name} ${shots}/class draw ${d}, ${who}: val ${pct(r.val)} test ${pct(r.test)}${fts.length ? `; fastText ${pct(fts.at(-1)!)}` : ''}`);
    }
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    rows.push([name, `${shots}/class ×${draws}`, String(shots * new Set(ds.train.map((x) => x.label)).size), who, pct(mean(vals)), pct(mean(acc)), fts.length ? pct(mean(fts)) : 'n/a', `${(secs / draws).toFixed(0)} s`, `${(speed / draws).toFixed(1)} (${backend})`, peakRss()]);
  }
}
const header = ['dataset', 'train', 'n', 'student', 'student val', 'student test', 'fastText test', 'student time', 'train examples/s (backend)', 'peak RSS'];
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`hyper: ${JSON.stringify(hyper)}`);
