/**
 * Fine-tuning speed of all-MiniLM-L6-v2 in Chromium, per tfjs backend, through the app's worker
 * (the encoder check page's fine-tuning check, tests/e2e/encoder-harness): short SST-2 training sentences, batch 8, a few
 * steps each (the first, which compiles shaders and sets up kernels, is left out of the speed).
 * Prints a table of examples/s and ms per step; nothing here passes or fails.
 *
 *   npx tsx bench/finetune-chromium.ts [--steps 4] [--batch 8] [--backends webgpu,webgl,wasm,cpu]
 *
 * Needs `npm run models`, ../shared/datasets (or $DISTILLERY_DATASETS) and Chromium.
 * webgpu here is SwiftShader (the GPU emulated on the CPU): a real GPU is far faster.
 */
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../tests/e2e/chromium.js';
import { serveEncoderHarness } from '../tests/e2e/encoder-harness/harness.js';
import { sst2 } from './datasets.js';

const { values } = parseArgs({ options: {
  steps: { type: 'string', default: '4' }, batch: { type: 'string', default: '8' },
  backends: { type: 'string', default: 'webgpu,webgl,wasm,cpu' }, port: { type: 'string', default: '4392' },
} });
const steps = Number(values.steps);
const batch = Number(values.batch);
// Short sentences (at most 12 words), both labels, as a few seeds would be.
const short = sst2().train.filter((x) => x.text.split(' ').length <= 12);
const pick = (label: string, n: number) => short.filter((x) => x.label === label).slice(0, n);
const rows = [...pick(short[0]!.label, batch / 2), ...pick(short.find((x) => x.label !== short[0]!.label)!.label, batch / 2)];
const train = { texts: rows.map((x) => x.text), labels: rows.map((x) => x.label) };
const val = { texts: train.texts.slice(0, 2), labels: train.labels.slice(0, 2) };
const tokens = train.texts.reduce((n, t) => n + t.split(' ').length, 0) / train.texts.length;

interface Step { steps: number; stepsPerSecond: number; loss: number }
const table: string[][] = [];
const port = Number(values.port);
const harness = await serveEncoderHarness(port);
try {
  const browser = await chromium.launch(chromiumLaunchOptions());
  for (const backend of values.backends.split(',')) {
    const page = await browser.newPage();
    try {
      await page.goto(`${harness.url}/`);
      await page.locator('#backend').selectOption(backend);
      await page.locator('#ft-app').click();
      await page.locator('#ft-status[data-state="loaded"], #ft-status[data-state="error"]').waitFor({ timeout: 300_000 });
      await page.locator('#ft-data').fill(JSON.stringify({ train, val, hyper: { epochs: 1, batchSize: batch }, maxSteps: steps }));
      await page.locator('#ft-run').click();
      await page.locator('#ft-status[data-state="done"], #ft-status[data-state="error"]').waitFor({ timeout: 3_600_000 });
      if (await page.locator('#ft-status').getAttribute('data-state') === 'error') throw new Error(await page.locator('#ft-status').textContent() ?? '');
      const r = JSON.parse(await page.locator('#ft-result').textContent() ?? '{}') as { backend: string; steps: Step[]; tensorsBefore: number; tensorsAfter: number };
      // Elapsed time at step n is n / stepsPerSecond(n); the speed is measured after the first step.
      const at = (s: Step) => s.steps / s.stepsPerSecond;
      const first = r.steps[0]!;
      const last = r.steps.at(-1)!;
      const secs = at(last) - at(first);
      const perStep = (1000 * secs) / (r.steps.length - 1);
      table.push([`Chromium ${r.backend}${r.backend === 'webgpu' ? ' (SwiftShader)' : ''}`, String(r.steps.length - 1), ((batch * (r.steps.length - 1)) / secs).toFixed(2),
        perStep.toFixed(0), (1000 * at(first)).toFixed(0), r.steps.map((s) => s.loss.toFixed(3)).join(' '), String(r.tensorsAfter - r.tensorsBefore)]);
      console.error(table.at(-1)!.join(' | '));
    } catch (e) {
      table.push([`Chromium ${backend}`, '-', `failed: ${(e as Error).message.split('\n')[0]}`, '', '', '', '']);
      console.error(table.at(-1)!.join(' | '));
    } finally {
      await page.close();
    }
  }
  await browser.close();
} finally {
  await harness.close();
}

console.log(`all-MiniLM-L6-v2 fine-tuning in Chromium: batch ${batch} of SST-2 sentences (~${tokens.toFixed(0)} words each), embeddings frozen (the default), ${steps} steps, the first not timed:`);
console.log('| runtime | timed steps | examples/s | ms per step | first step (ms) | losses | tensors left |\n|---|---|---|---|---|---|---|');
for (const r of table) console.log(`| ${r.join(' | ')} |`);
process.exit(0);
