/**
 * Memory of fine-tuning the pretrained transformer (all-MiniLM-L6-v2) as the training set grows:
 * 5,000 and then 50,000 training texts (plus the 20% validation the app would hold out), each in a
 * process of its own, trained in Node on tfjs's wasm backend for a fixed number of optimizer steps
 * and stopped. What must not grow with the data is everything but the tokenized rows: the batch
 * activations (bounded by the trainer's memory budget), the weights and the optimizer state.
 * Prints, per size: tokenizing time, the chosen maximum length, peak RSS, peak tfjs bytes, tensors
 * alive, and examples/s.
 *
 * Texts: the Train step's synthetic generator (tests/fixtures/train-generator.ts), three of one
 * class joined, so lengths spread over 20-60 words as real reviews and tickets do.
 *
 *   npx tsx bench/finetune-memory.ts [--steps 30] [--sizes 5000,50000]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { pretrainedByName } from '../src/core/encode/by-name-node.js';
import { isAbortError } from '../src/core/errors.js';
import { chooseMaxTokens } from '../src/core/student/finetune/token-rows.js';
import { trainStudent, type LabeledTexts } from '../src/core/student/student.js';
import { generate } from '../tests/fixtures/train-generator.js';

const { values: a } = parseArgs({ options: {
  steps: { type: 'string', default: '30' }, sizes: { type: 'string', default: '5000,50000' }, child: { type: 'string' },
} });
const MB = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

function texts(n: number, seed: number): LabeledTexts {
  const parts = generate(3 * n, seed);
  // generate() cycles through the classes, so rows 3i, 3i+4, 3i+8 share a label: join one class's three.
  const byLabel = new Map<string, string[]>();
  for (const p of parts) byLabel.set(p.label, [...(byLabel.get(p.label) ?? []), p.text]);
  const labels = [...byLabel.keys()];
  const out: LabeledTexts = { texts: [], labels: [] };
  for (let i = 0; i < n; i++) {
    const label = labels[i % labels.length]!;
    const pool = byLabel.get(label)!;
    const j = Math.floor(i / labels.length) * 3;
    out.texts.push(`${pool[j]}. ${pool[j + 1]}. ${pool[j + 2]}.`);
    out.labels.push(label);
  }
  return out;
}

async function child(n: number, steps: number): Promise<void> {
  const base = await pretrainedByName('minilm');
  const train = texts(n, 11);
  const val = texts(Math.round(n / 4), 12);
  const stop = new AbortController();
  const t0 = performance.now();
  let firstStep = 0;
  let peakRss = process.memoryUsage().rss;
  let peakTf = 0;
  let examplesPerSecond = 0;
  let tensors = 0;
  try {
    await trainStudent(train, val, { kind: 'transformer', base }, {
      signal: stop.signal,
      onStep: (p) => {
        firstStep ||= performance.now();
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        peakTf = Math.max(peakTf, tf.memory().numBytes);
        tensors = tf.memory().numTensors;
        examplesPerSecond = p.examplesPerSecond;
        if (p.steps >= steps) stop.abort();
      },
    });
  } catch (e) {
    if (!isAbortError(e)) throw e;
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  // The length the student chose (finetune/kind.ts spec): the 95th percentile, capped.
  const maxTokens = chooseMaxTokens(train.texts.map((t) => base.tokenizer.encode(t).ids.length), base.sentence.maxTokens);
  console.log(JSON.stringify({ n, val: val.texts.length, steps, untilFirstStepS: (firstStep - t0) / 1000, maxTokens, peakRss, peakTf, tensors, examplesPerSecond, tensorsAfter: tf.memory().numTensors }));
}

if (a.child) {
  await child(Number(a.child), Number(a.steps));
} else {
  console.log(`Fine-tuning all-MiniLM-L6-v2 in Node (tfjs wasm), ${a.steps} optimizer steps per size, each size in its own process.\n`);
  console.log('| training texts | validation texts | load + tokenize until the first step | max tokens | peak RSS | peak tfjs bytes | tensors alive while training | tensors after stop | examples/s |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const n of a.sizes!.split(',').map(Number)) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', String(n), '--steps', a.steps!], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{')) throw new Error(`size ${n} failed (exit ${r.status}): ${r.stdout}`);
    const s = JSON.parse(line);
    console.log(`| ${s.n} | ${s.val} | ${s.untilFirstStepS.toFixed(1)} s | ${s.maxTokens} | ${MB(s.peakRss)} | ${MB(s.peakTf)} | ${s.tensors} | ${s.tensorsAfter} | ${s.examplesPerSecond.toFixed(1)} |`);
  }
}
