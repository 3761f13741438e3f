/**
 * The teacher as a REAL language model: `distillery teacher-local` serving the catalog's tiny
 * SmolLM2-135M-Instruct (Q4_1 GGUF, CPU). A tiny local model, nothing like a frontier LLM: these
 * numbers say what the pipeline does with an LLM that drifts, repeats itself and labels near
 * chance, not what a good teacher yields.
 *
 *   npm run bench:teacher-real                   # everything below, in this order
 *   npm run bench:teacher-real -- --only acceptance|strategies|loop
 *
 * acceptance: 100 SST-2 examples through `distillery synth` (generate): the output file must hold
 *   exactly the accepted count, with no duplicated id or text; prints the summary (rejects by reason).
 * strategies: generate, rationale, annotate and extrapolate at server/client parallelism 1, 2, 4:
 *   accepted share, rejects by reason, failed attempts, completion tokens/s and requests/s.
 * loop: SST-2 and AG News, 8 seeds per class (+ 32 validation per class), budget B = 300: the
 *   word student's test accuracy on seeds only, + generation, + annotation; the accepted share;
 *   the teacher's agreement with the gold labels on 200 test texts; wall time.
 *
 * The model must be installed (`npm run models -- --teacher`). Output goes to stdout (tables)
 * and stderr (progress); run it with nohup into bench/out/.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Example } from '../src/core/dataset/example.js';
import { benchmarkSplit } from '../src/core/dataset/split.js';
import { LOOP_DEFAULTS, type LoopConfig } from '../src/core/loop/config.js';
import { runLoop } from '../src/core/loop/run.js';
import { loopStudent } from '../src/core/loop/students.js';
import { loadWordVectorsFromDisk } from '../src/core/encode/word-vectors-node.js';
import { teacherSynthesize } from '../src/core/loop/teacher.js';
import { loopSummary } from '../src/core/loop/report.js';
import { MemoryStore } from '../src/core/store/memory.js';
import { DEFAULT_TEACHER } from '../src/core/models/catalog.js';
import { isInstalled } from '../src/core/models/fetch-node.js';
import { TeacherClient } from '../src/core/teacher/client.js';
import { synthesize } from '../src/core/teacher/synthesize.js';
import type { SynthesisJob, SynthesisSummary } from '../src/core/teacher/job.js';
import { DATASETS, sharedDatasetsPresent, type LabeledText } from './datasets.js';

const root = new URL('..', import.meta.url).pathname;
const { values: a } = parseArgs({ options: {
  only: { type: 'string' }, budget: { type: 'string', default: '300' }, parallel: { type: 'string', default: '2' },
  levels: { type: 'string', default: '1,2,4' }, 'strategy-n': { type: 'string', default: '20' }, datasets: { type: 'string', default: 'sst2_sentence,ag_news' },
} });
if (!sharedDatasetsPresent()) { console.error('bench:teacher-real needs ../shared/datasets; skipping.'); process.exit(0); }
if (!(await isInstalled(DEFAULT_TEACHER, root))) { console.error(`bench:teacher-real needs ${DEFAULT_TEACHER.id}: run npm run models -- --teacher`); process.exit(1); }
const parts = a.only ? a.only.split(',') : ['acceptance', 'strategies', 'loop'];
const TASKS: Record<string, string> = { sst2_sentence: 'sentiment of movie-review sentences', ag_news: 'topic of news articles' };
const MODEL = DEFAULT_TEACHER.id;

interface ServerStats { requests: number; promptTokens: number; completionTokens: number; busySeconds: number }

/** `distillery teacher-local` as a child process, as a user runs it. */
function startLocal(parallel: number, ctx = 4096): Promise<{ url: string; stop: () => Promise<ServerStats> }> {
  const child = spawn(process.execPath, [join(root, 'bin/distillery.js'), 'teacher-local', '--port', '0', '--parallel', String(parallel), '--ctx', String(ctx)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/);
      if (m) resolve({
        url: m[1],
        stop: () => new Promise((r) => { child.once('close', () => r(JSON.parse(out.trim().split('\n').at(-1)!))); child.kill('SIGTERM'); }),
      });
    });
    child.once('close', (code) => reject(new Error(`teacher-local exited with ${code} before it listened`)));
  });
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const share = (s: { accepted: number; rejected: Record<string, number> }) => {
  const rej = Object.values(s.rejected).reduce((x, y) => x + y, 0);
  return s.accepted + rej ? s.accepted / (s.accepted + rej) : 0;
};
const reasons = (r: Record<string, number>) => Object.entries(r).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
const now = new Date().toISOString();
const toExamples = (xs: LabeledText[], split: Example['split']): Example[] =>
  xs.map((x, i) => ({ id: String(i).padStart(6, '0'), text: x.text, label: x.label, split, provenance: { source: 'seed', round: 0, createdAt: now } }));

console.log(`bench:teacher-real: ${DEFAULT_TEACHER.description}, served by distillery teacher-local on this machine's CPU.`);
console.log('A tiny local model, not a frontier LLM: read these numbers as what the pipeline does with a weak real teacher.');
console.log(`load average before: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (2 shared cores; timings move with other work on the machine)\n`);

// ---- acceptance: 100 SST-2 examples through distillery synth ------------------------------------
if (parts.includes('acceptance')) {
  const ds = DATASETS.sst2_sentence();
  const split = benchmarkSplit(toExamples(ds.train, 'train'), { seedsPerClass: 8, valPerClass: 0, seed: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'teacher-real-'));
  const server = await startLocal(2);
  try {
    writeFileSync(join(dir, 'seeds.tsv'), 'text\tlabel\n' + split.seeds.map((e) => `${e.text}\t${e.label}`).join('\n') + '\n');
    const t0 = Date.now();
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const c = spawn(process.execPath, [join(root, 'bin/distillery.js'), 'synth', '--seeds', join(dir, 'seeds.tsv'), '--teacher-url', server.url,
        '--teacher-model', MODEL, '--strategy', 'generate', '--n', '100', '--concurrency', '2', '--task', TASKS.sst2_sentence, '--out', join(dir, 'out')], { stdio: ['ignore', 'pipe', 'inherit'] });
      let so = '';
      c.stdout!.on('data', (d) => { so += d; });
      c.on('close', (code) => resolve({ code, stdout: so }));
    });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    const lines = readFileSync(join(dir, 'out', 'synthetic.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Example);
    const ids = new Set(lines.map((e) => e.id)), texts = new Set(lines.map((e) => e.text.toLowerCase()));
    const ok = code === 0 && summary.accepted === 100 && lines.length === 100 && ids.size === 100 && texts.size === 100
      && lines.every((e) => e.provenance.teacherModel === MODEL && e.provenance.requestId);
    console.log('## acceptance: 100 SST-2 examples through distillery synth (generate, concurrency 2)\n');
    console.log(`exit ${code}; accepted ${summary.accepted}; lines in synthetic.jsonl ${lines.length}; distinct ids ${ids.size}; distinct texts ${texts.size}; `
      + `accepted share ${pct(share(summary))}; rejects: ${reasons(summary.rejected)}; failed attempts: ${reasons(summary.failedRequests)}; `
      + `${summary.requests} requests, ${summary.tokens} tokens, ${((Date.now() - t0) / 1000).toFixed(0)} s → ${ok ? 'PASS' : 'FAIL'}\n`);
    console.log('first five examples:');
    for (const e of lines.slice(0, 5)) console.log(`  [${e.label}] ${e.text.slice(0, 140)}`);
    console.log('');
    if (!ok) process.exitCode = 1;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- strategies at parallel 1, 2, 4 --------------------------------------------------------------
if (parts.includes('strategies')) {
  const ds = DATASETS.sst2_sentence();
  const split = benchmarkSplit(toExamples(ds.train, 'train'), { seedsPerClass: 8, valPerClass: 0, seed: 1 });
  const seeds = split.seeds.map((e) => ({ text: e.text, label: e.label! }));
  const n = Number(a['strategy-n']);
  const unlabeled = split.rest.slice(0, 400).map((e) => e.text);
  const errors = split.rest.slice(400, 400 + Math.ceil(n / 2)).map((e) => ({ text: e.text, trueLabel: e.label!, predictedLabel: e.label === 'positive' ? 'negative' : 'positive' }));
  console.log(`## per strategy: SST-2 seeds (8 per class), ${n} examples each (extrapolate: ${errors.length} errors × 2), client concurrency = server --parallel\n`);
  console.log('strategy | parallel | accepted | accepted share | rejects by reason | failed attempts | requests | req/s | completion tokens/s | prompt tokens/s | seconds');
  console.log('--- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---:');
  for (const parallel of a.levels!.split(',').map(Number)) {
    const server = await startLocal(parallel);
    try {
      const client = new TeacherClient({ baseURL: server.url, model: MODEL, timeoutMs: 300_000, maxAttempts: 3 });
      for (const strategy of ['generate', 'rationale', 'annotate', 'extrapolate'] as const) {
        const job: SynthesisJob = {
          projectId: 'b', jobId: `${strategy}-${parallel}`, strategy, round: strategy === 'extrapolate' ? 1 : 0,
          n: strategy === 'extrapolate' ? 2 : n, labels: ['positive', 'negative'], seeds, task: TASKS.sst2_sentence,
          unlabeled: strategy === 'annotate' ? unlabeled : undefined, errors: strategy === 'extrapolate' ? errors : undefined,
          options: { concurrency: parallel },
        };
        const t0 = Date.now();
        let s: SynthesisSummary | undefined;
        const tokens = { p: 0, c: 0 };
        try {
          s = await synthesize(job, { client, store: new MemoryStore(), onProgress: (p) => { if (p.phase !== 'synthesize') return; tokens.p = p.detail.promptTokens ?? 0; tokens.c = p.detail.completionTokens ?? 0; } });
        } catch (e) { console.error(`${strategy} @${parallel}: ${(e as Error).message}`); continue; }
        const sec = (Date.now() - t0) / 1000;
        console.log(`${strategy} | ${parallel} | ${s.accepted} | ${pct(share(s))} | ${reasons(s.rejected)} | ${reasons(s.failedRequests as Record<string, number>)} | ${s.requests} | ${(s.requests / sec).toFixed(2)} | ${(tokens.c / sec).toFixed(1)} | ${(tokens.p / sec).toFixed(0)} | ${sec.toFixed(0)}`);
      }
    } finally {
      await server.stop();
    }
  }
  console.log('');
}

// ---- the loop: seeds only, + generation, + annotation ---------------------------------------------
if (parts.includes('loop')) {
  const B = Number(a.budget);
  const parallel = Number(a.parallel);
  const wv = await loadWordVectorsFromDisk();
  const student = loopStudent({ kind: 'words', wv });
  const rows: string[] = [];
  for (const name of a.datasets!.split(',')) {
    const ds = DATASETS[name]();
    const split = benchmarkSplit(toExamples(ds.train, 'train'), { seedsPerClass: 8, valPerClass: 32, seed: 0 });
    const test = toExamples(ds.test, 'test');
    const server = await startLocal(parallel);
    const cells: Record<string, string> = {};
    try {
      const client = new TeacherClient({ baseURL: server.url, model: MODEL, timeoutMs: 300_000, maxAttempts: 4 });
      // The teacher alone: its labels for 200 test texts against the gold ones.
      const gold = ds.test.slice(0, 200);
      const t0 = Date.now();
      const store0 = new MemoryStore();
      await synthesize({ projectId: 'agree', jobId: 'agree', strategy: 'annotate', round: 0, n: gold.length, labels: [...new Set(ds.train.map((x) => x.label))],
        seeds: split.seeds.map((e) => ({ text: e.text, label: e.label! })), unlabeled: gold.map((g) => g.text), task: TASKS[name], options: { concurrency: parallel } },
      { client, store: store0 });
      const labelled = await store0.listExamples('agree');
      const goldOf = new Map(gold.map((g) => [g.text, g.label]));
      const agree = labelled.filter((e) => goldOf.get(e.text) === e.label).length;
      cells.agreement = `${pct(agree / gold.length)} (${labelled.length} of 200 labelled, ${((Date.now() - t0) / 1000).toFixed(0)} s)`;
      console.error(`${name}: teacher agreement ${cells.agreement}`);
      for (const cfg of ['generate', 'annotate'] as const) {
        const totals = { accepted: 0, rejected: {} as Record<string, number> };
        const base = teacherSynthesize({ client, task: TASKS[name], options: { concurrency: parallel }, seed: 1 });
        const config: LoopConfig = { ...LOOP_DEFAULTS, runId: `${name}-${cfg}`, projectId: `${name}-${cfg}`, teacherModel: MODEL, strategy: cfg, rounds: 0, budget: B, seed: 1 };
        const t1 = Date.now();
        const state = await runLoop(config, {
          seeds: split.seeds, val: split.val, test,
          unlabeled: cfg === 'annotate' ? split.rest.map((e) => ({ ...e, label: null, split: 'unlabeled' as const })) : undefined,
        }, {
          store: new MemoryStore(),
          deps: {
            ...student,
            synthesize: async (job, o) => {
              const r = await base(job, o);
              totals.accepted += r.accepted;
              for (const [k, v] of Object.entries(r.rejected)) totals.rejected[k] = (totals.rejected[k] ?? 0) + v;
              return r;
            },
          },
        });
        const s = loopSummary(state);
        cells.seeds = pct(s.baseline.seedsOnly.test!.accuracy);
        cells[cfg] = pct(s.final.test!.accuracy);
        cells[`${cfg}Share`] = `${pct(share(totals))} (${totals.accepted} kept; ${reasons(totals.rejected)})`;
        cells[`${cfg}Time`] = `${((Date.now() - t1) / 1000).toFixed(0)} s`;
        console.error(`${name} ${cfg}: test ${cells[cfg]} (seeds only ${cells.seeds}), accepted share ${cells[`${cfg}Share`]}, ${cells[`${cfg}Time`]}`);
      }
    } finally {
      await server.stop();
    }
    rows.push(`| ${name} | ${cells.seeds} | ${cells.generate} | ${cells.annotate} | ${cells.generateShare} | ${cells.annotateShare} | ${cells.agreement} | ${cells.generateTime} / ${cells.annotateTime} |`);
  }
  console.log(`## the loop with the REAL tiny teacher (${MODEL}, CPU): word student's test accuracy, 8 seeds + 32 validation per class, budget B = ${B}, one draw\n`);
  console.log('| dataset | seeds only | + generation @B | + annotation @B | generation: accepted share (rejects) | annotation: accepted share (rejects) | teacher agreement with gold, 200 test texts | wall time gen / ann |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}
