/**
 * The distillation loop against the SIMULATED teacher (teacher-sim over each dataset's training
 * split): test accuracy of seeds only, generation only at budget B, annotation at B, and S3
 * (round 0 generation + R = 2 extrapolation rounds) at the same B, each the mean over draws of
 * 8 seeds and 32 validation examples per class from the training split; beside fastText trained
 * on the same 8-shot seeds and on the full training split, tested on the same test split.
 * teacher-sim answers with real pool texts, so this measures the pipeline, not an LLM.
 * For every run with extrapolation rounds it also reports the kept round (chosen by core/loop/keep.ts
 * on the selection half of validation, whose texts never drove extrapolation) against the best round in hindsight
 * (the round with the best TEST accuracy, which nothing may choose by): the gap is what choosing on
 * validation costs.
 *
 *   npm run bench:loop -- [--datasets sst2_sentence,ag_news] [--budget 1000] [--draws 3] [--first-draw 0] [--test-sample N] [--encoder glove|glove-mean-max|minilm|PATH] [--student word|mlp|linear|finetune] [--hyper JSON]
 *     [--configs generate,annotate,s3] (or `seeds`: the seeds-only baseline alone, one training per draw)
 *
 * `--student finetune` fine-tunes the pretrained transformer (`--encoder`, default minilm) in
 * every round on tfjs's wasm backend, with step progress on stderr. On 2 CPU cores one such
 * training on a budget of 1,000 takes tens of minutes, so the full table (2 data sets × 3 draws ×
 * 3 configs, S3 training 3 students) takes many hours: run it alone, or one data set and
 * config at a time (`--datasets sst2_sentence --configs s3 --draws 1`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Example } from '../src/core/dataset/example.js';
import { benchmarkSplit } from '../src/core/dataset/split.js';
import { LOOP_DEFAULTS, type LoopConfig } from '../src/core/loop/config.js';
import { runLoop } from '../src/core/loop/run.js';
import { getLoopRun } from '../src/core/loop/checkpoint.js';
import { keptRound } from '../src/core/loop/keep.js';
import { loopStudent } from '../src/core/loop/students.js';
import { encoderByName, isSentenceEncoderName, pretrainedByName } from '../src/core/encode/by-name-node.js';
import type { StepReport } from '../src/core/student/train.js';
import { loadWordVectorsFromDisk } from '../src/core/encode/word-vectors-node.js';
import { teacherSynthesize } from '../src/core/loop/teacher.js';
import { loopSummary } from '../src/core/loop/report.js';
import { MemoryStore } from '../src/core/store/memory.js';
import { TeacherClient } from '../src/core/teacher/client.js';
import { startTeacherSim } from '../src/core/teacher/sim/server.js';
import { DATASETS, sharedDatasetsPresent, splitPerClass, type LabeledText } from './datasets.js';

const { values: a } = parseArgs({ options: {
  datasets: { type: 'string', default: 'sst2_sentence,ag_news' }, budget: { type: 'string', default: '1000' },
  draws: { type: 'string', default: '3' }, 'first-draw': { type: 'string', default: '0' }, 'test-sample': { type: 'string' }, encoder: { type: 'string' }, student: { type: 'string' },
  // `seeds`: only the seeds-only baseline (every other config reports it too).
  configs: { type: 'string', default: 'generate,annotate,s3' }, hyper: { type: 'string' },
} });
if (!sharedDatasetsPresent()) {
  console.error('bench:loop needs ../shared/datasets (not part of the repository); skipping.');
  process.exit(0);
}
const B = Number(a.budget);
const DRAWS = Number(a.draws);
// Draws are independent (each its own seeds, validation and teacher seed), so slow students can
// run them side by side: `--first-draw 1 --draws 1` in one process, `--first-draw 2` in another.
const FIRST_DRAW = Number(a['first-draw']);
// Every round of a slow student is scored on the whole test split (AG News: 7,600 texts, ~6 min per
// scoring for the fine-tuned transformer here): `--test-sample N` scores every row of the table,
// fastText's too, on one seeded class-stratified sample of N test texts instead.
const TEST_SAMPLE = a['test-sample'] ? Number(a['test-sample']) : undefined;
const configs = a.configs!.split(',');

const now = new Date().toISOString();
const toExamples = (xs: LabeledText[], split: Example['split']): Example[] =>
  xs.map((x, i) => ({ id: String(i).padStart(6, '0'), text: x.text, label: x.label, split, provenance: { source: 'seed', round: 0, createdAt: now } }));

function fasttext(train: LabeledText[], test: LabeledText[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'ft-'));
  try {
    const line = (x: LabeledText) => `__label__${x.label.replace(/\s+/g, '_')} ${x.text.replace(/\s+/g, ' ')}`;
    writeFileSync(join(dir, 'train.txt'), train.map(line).join('\n') + '\n');
    writeFileSync(join(dir, 'test.txt'), test.map(line).join('\n') + '\n');
    // The peer's settings from ../shared/datasets/README.md: 25 epochs, word bigrams.
    execFileSync('/usr/bin/fasttext', ['supervised', '-input', join(dir, 'train.txt'), '-output', join(dir, 'm'), '-epoch', '25', '-wordNgrams', '2', '-thread', '2', '-seed', '1', '-verbose', '0']);
    const out = execFileSync('/usr/bin/fasttext', ['test', join(dir, 'm.bin'), join(dir, 'test.txt')]).toString();
    return Number(/P@1\s+([\d.]+)/.exec(out)![1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const cell = (xs: number[] | undefined) => (xs?.length ? `${(mean(xs) * 100).toFixed(1)} ± ${(sd(xs) * 100).toFixed(1)}` : 'n/a');

const store = new MemoryStore(); // one store: the embedding cache is shared by every run
const wv = await loadWordVectorsFromDisk();
// The same students as `distillery run`: word (default), a head on pooled GloVe or on a sentence
// encoder (`--encoder minilm`, or the path of a sentence-transformers folder), or the pretrained
// transformer fine-tuned whole (`--student finetune`).
const studentName = a.student ?? (isSentenceEncoderName(a.encoder) ? 'mlp' : 'word');
const hyper = a.hyper ? JSON.parse(a.hyper) : undefined;
let lastStep = 0;
const onStep = (p: StepReport) => {
  if (performance.now() - lastStep < 30_000 && p.step !== p.stepsInEpoch) return;
  lastStep = performance.now();
  console.error(`  epoch ${p.epoch} step ${p.step}/${p.stepsInEpoch} loss ${p.loss.toFixed(3)}, ${p.examplesPerSecond.toFixed(1)} examples/s, ETA ${(p.etaSeconds / 60).toFixed(0)} min`);
};
const student = studentName === 'word'
  ? loopStudent({ kind: 'words', wv }, { hyper })
  : studentName === 'finetune'
    ? loopStudent({ kind: 'transformer', base: await pretrainedByName(a.encoder ?? 'minilm', { log: (l) => console.error(l) }) }, { hyper, onStep })
    : loopStudent({ kind: 'vectors', encoder: await encoderByName(a.encoder, { wv }), cache: store }, { hyper: studentName === 'linear' ? { hidden: [] } : hyper });
const rows: string[] = [];
const testSizes: string[] = [];
const kept: { dataset: string; draw: number; config: string; kept: number; keptTest: number; bestOnSelection: number; bestOnSelectionTest: number; best: number; bestTest: number; overlap: { val: number; test: number }; validation: { extrapolation: number; selection: number } | null }[] = [];
for (const name of a.datasets!.split(',')) {
  const full = DATASETS[name]();
  const ds = TEST_SAMPLE && TEST_SAMPLE < full.test.length
    ? { ...full, test: splitPerClass(full.test, 5, (n) => [Math.round((n * TEST_SAMPLE) / full.test.length), 0])[0] }
    : full;
  testSizes.push(`${name} ${ds.test.length}${ds.test.length < full.test.length ? ` of ${full.test.length}` : ''}`);
  const train = toExamples(ds.train, 'train');
  const test = toExamples(ds.test, 'test');
  const acc: Record<string, number[]> = {};
  const add = (k: string, x: number) => (acc[k] ??= []).push(x);
  for (let draw = FIRST_DRAW; draw < FIRST_DRAW + DRAWS; draw++) {
    const split = benchmarkSplit(train, { seedsPerClass: 8, valPerClass: 32, seed: draw });
    add('fastText 8-shot', fasttext(split.seeds.map((e) => ({ text: e.text, label: e.label! })), ds.test));
    for (const cfgName of configs) {
      const sim = await startTeacherSim({ pool: ds.train, seed: draw + 1 });
      try {
        const client = new TeacherClient({ baseURL: sim.url, model: 'teacher-sim', maxAttempts: 3 });
        const config: LoopConfig = {
          ...LOOP_DEFAULTS, runId: `${name}-${draw}-${cfgName}`, projectId: `${name}-${draw}-${cfgName}`, teacherModel: 'teacher-sim',
          strategy: cfgName === 'annotate' ? 'annotate' : 'generate', rounds: cfgName === 's3' ? 2 : 0, budget: B, seed: draw + 1,
        };
        const t0 = Date.now();
        const data = { seeds: split.seeds, val: split.val, test, unlabeled: cfgName === 'annotate' ? split.rest.map((e) => ({ ...e, label: null, split: 'unlabeled' as const })) : undefined };
        const deps = { synthesize: teacherSynthesize({ client, options: { concurrency: 8 }, seed: draw + 1 }), ...student };
        if (cfgName === 'seeds') {
          // The seeds-only baseline alone (the same training every config starts with): the run is
          // cancelled once that step is durable, so it costs one training, not a whole loop.
          const stop = new AbortController();
          await runLoop(config, data, { store, deps, signal: stop.signal, onEvent: (e) => { if (e.type === 'step' && e.step === 'baseline.seedsOnly') stop.abort(); } })
            .catch((e: unknown) => { if (!stop.signal.aborted) throw e; });
          const baseline = (await getLoopRun(store, config.runId))!.state.baselines.seedsOnly!;
          add('seeds only', baseline.test!.accuracy);
          console.error(`${name} draw ${draw} seeds only: test ${(baseline.test!.accuracy * 100).toFixed(1)}%, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
          continue;
        }
        const state = await runLoop(config, data, { store, deps });
        const s = loopSummary(state);
        // Every config trains the same seeds-only baseline (same seeds, same seed): report it once.
        if (cfgName === configs[0]) add('seeds only', s.baseline.seedsOnly.test!.accuracy);
        add(cfgName, s.final.test!.accuracy);
        if (config.rounds > 0) {
          const best = s.rounds.reduce((b, r) => ((r.test?.accuracy ?? -1) > (b.test?.accuracy ?? -1) ? r : b), s.rounds[0]);
          // What the run would have kept with the plain rule (the best selection macro-F1, the later on
          // ties: keptRound without predictions), on the same rounds: the two rules compared paired.
          const plain = keptRound(state.rounds.filter((r) => r.val).map((r) => ({ round: r.round, macroF1: r.val!.macroF1 })), [], state.labels.length);
          const plainTest = s.rounds.find((r) => r.round === plain)!.test!.accuracy;
          kept.push({ dataset: name, draw, config: cfgName, kept: s.final.round, keptTest: s.final.test!.accuracy, bestOnSelection: plain, bestOnSelectionTest: plainTest, best: best.round, bestTest: best.test!.accuracy, overlap: s.overlap, validation: s.validation });
        }
        console.error(`${name} draw ${draw} ${cfgName}: test ${(s.final.test!.accuracy * 100).toFixed(1)}% (seeds only ${(s.baseline.seedsOnly.test!.accuracy * 100).toFixed(1)}%), rounds ${s.rounds.map((r) => `${r.round}:+${r.added}→${((r.test?.accuracy ?? 0) * 100).toFixed(1)}%`).join(' ')}, kept round ${s.final.round}${config.rounds > 0 ? ` (best on selection: round ${kept[kept.length - 1]!.bestOnSelection})` : ''}, ${s.teacher.requests} requests, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      } finally {
        await sim.close();
      }
    }
  }
  add('fastText full', fasttext(ds.train, ds.test));
  rows.push(`| ${name} | ${['seeds only', 'generate', 'annotate', 's3', 'fastText 8-shot', 'fastText full'].map((k) => cell(acc[k])).join(' | ')} |`);
}
console.log(`\nTest accuracy (%) of the ${studentName} student${studentName === 'word' ? '' : ` (${a.encoder ?? (studentName === 'finetune' ? 'minilm' : 'glove')})`}, mean ± sd over ${DRAWS} draws of 8 seeds + 32 validation examples per class; budget B = ${B} teacher-made examples; draws ${FIRST_DRAW}–${FIRST_DRAW + DRAWS - 1}; test texts: ${testSizes.join(', ')}.`);
console.log('SIMULATED teacher (teacher-sim answering from the training split): this measures the pipeline, not an LLM.\n');
console.log(`| dataset | seeds only | generation @B | annotation @B | S3 R=2 @B | fastText 8-shot | fastText full |`);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
if (kept.length) {
  const pt = (x: number) => (x * 100).toFixed(1);
  console.log('\nThe kept round (the latest within one standard error of the best macro-F1 on the selection half of validation, core/loop/keep.ts) against the best round in hindsight (best TEST accuracy):\n');
  console.log('| dataset | config | draw | validation (drive / select) | seeds left out (val / test) | kept round | kept test % | best on selection (the plain rule) | its test % | best round | best test % | gap (points) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const k of kept) {
    console.log(`| ${k.dataset} | ${k.config} | ${k.draw} | ${k.validation ? `${k.validation.extrapolation} / ${k.validation.selection}` : 'one set'} | ${k.overlap.val} / ${k.overlap.test} | ${k.kept} | ${pt(k.keptTest)} | ${k.bestOnSelection} | ${pt(k.bestOnSelectionTest)} | ${k.best} | ${pt(k.bestTest)} | ${pt(k.bestTest - k.keptTest)} |`);
  }
  for (const name of new Set(kept.map((k) => k.dataset))) {
    const gaps = kept.filter((k) => k.dataset === name).map((k) => k.bestTest - k.keptTest);
    const worst = Math.max(...gaps);
    const plainGaps = kept.filter((k) => k.dataset === name).map((k) => k.bestTest - k.bestOnSelectionTest);
    console.log(`\n${name}: mean gap ${pt(mean(gaps))} points, largest ${pt(worst)}: ${worst <= 0.01 ? 'the kept round is within 1 point of the best round on every draw' : 'NOT within 1 point on every draw'}; the plain rule's mean gap ${pt(mean(plainGaps))} points.`);
  }
}
