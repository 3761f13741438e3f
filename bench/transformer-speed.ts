/**
 * Speed of the pretrained sentence encoder (all-MiniLM-L6-v2, the TF.js BERT): embeddings per
 * second on SST-2 test sentences at batch 32, and peak memory, in Node on each tfjs backend that
 * runs there (wasm with SIMD; wasm threads are tried and reported; cpu) and in Chromium through
 * the encoder check page (tests/e2e/encoder-harness) (webgpu on SwiftShader, webgl, wasm). Prints a table; nothing here
 * passes or fails.
 *
 *   npx tsx bench/transformer-speed.ts [--texts 256] [--cpu-texts 32] [--browser-texts 64] [--no-browser]
 *
 * Needs `npm run models`, ../shared/datasets (or $DISTILLERY_DATASETS) and, for the browser rows,
 * Chromium.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { chromium } from '@playwright/test';
import { TransformerEncoder } from '../src/core/encode/transformer-encoder.js';
import { dirFiles } from '../src/core/transformer/files-node.js';
import { chromiumLaunchOptions } from '../tests/e2e/chromium.js';
import { serveEncoderHarness } from '../tests/e2e/encoder-harness/harness.js';
import { sst2 } from './datasets.js';

const { values } = parseArgs({ options: {
  texts: { type: 'string', default: '256' }, 'cpu-texts': { type: 'string', default: '32' },
  'browser-texts': { type: 'string', default: '64' }, 'no-browser': { type: 'boolean', default: false },
} });
const MODEL = 'public/models/all-MiniLM-L6-v2';
const all = sst2().test.map((x) => x.text);
const rows: string[][] = [];

let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 50);

async function node(backend: 'wasm' | 'cpu', n: number, label: string = backend): Promise<void> {
  if (!(await tf.setBackend(backend).catch(() => false))) { rows.push([`Node ${label}`, '-', 'did not start', '', '']); return; }
  const enc = await TransformerEncoder.load(await dirFiles(MODEL), { batchSize: 32 });
  const texts = all.slice(0, n);
  await enc.encode(texts.slice(0, 32)); // warm-up: kernels, first allocations
  let peakTf = 0;
  peakRss = 0;
  const t0 = performance.now();
  await enc.encode(texts, { onProgress: () => { peakTf = Math.max(peakTf, tf.memory().numBytes); } });
  const s = (performance.now() - t0) / 1000;
  rows.push([`Node ${label}`, String(n), (n / s).toFixed(1), `${(peakTf / 2 ** 20).toFixed(0)} MiB`, `${(peakRss / 2 ** 20).toFixed(0)} MiB`]);
  console.error(`Node ${label}: ${(n / s).toFixed(1)} texts/s`);
  await enc.dispose();
}

await node('wasm', Number(values.texts), 'wasm (SIMD, 1 thread)');
await node('cpu', Number(values['cpu-texts']));
// tfjs-backend-wasm turns threads off in Node; forcing WASM_HAS_MULTITHREAD_SUPPORT fails to start.
rows.push(['Node wasm threads', '-', 'does not start', '', 'forced on, the threaded build starts its workers from blob: URLs, which Node refuses (ERR_WORKER_PATH)']);
clearInterval(sampler);

if (!values['no-browser']) {
  const port = 4391;
  const harness = await serveEncoderHarness(port);
  try {
    const browser = await chromium.launch(chromiumLaunchOptions());
    const texts = all.slice(0, Number(values['browser-texts']));
    for (const backend of ['webgpu', 'webgl', 'wasm']) {
      const page = await browser.newPage();
      try {
        await page.goto(`${harness.url}/`);
        await page.locator('#backend').selectOption(backend);
        await page.locator('#app').click();
        await page.locator('#status[data-state="loaded"], #status[data-state="error"]').waitFor({ timeout: 300_000 });
        if (await page.locator('#status').getAttribute('data-state') === 'error') throw new Error(await page.locator('#status').textContent() ?? '');
        // Warm-up (shader compilation), then the timed run.
        await page.locator('#texts').fill(JSON.stringify(texts.slice(0, 32)));
        await page.locator('#embed').click();
        await page.locator('#status[data-state="ready"], #status[data-state="error"]').waitFor({ timeout: 600_000 });
        await page.locator('#texts').fill(JSON.stringify(texts));
        await page.locator('#embed').click();
        await page.locator('#status[data-state="ready"], #status[data-state="error"]').waitFor({ timeout: 900_000 });
        const r = JSON.parse(await page.locator('#result').textContent() ?? '{}') as { ms: number; backend: string };
        rows.push([`Chromium ${r.backend}${backend === 'webgpu' ? ' (SwiftShader)' : ''}`, String(texts.length), (texts.length / (r.ms / 1000)).toFixed(1), '', '']);
        console.error(`Chromium ${backend}: ${(texts.length / (r.ms / 1000)).toFixed(1)} texts/s`);
      } catch (e) {
        rows.push([`Chromium ${backend}`, '-', `failed: ${(e as Error).message.split('\n')[0]}`, '', '']);
      } finally {
        await page.close();
      }
    }
    await browser.close();
  } finally {
    await harness.close();
  }
}

console.log(`all-MiniLM-L6-v2 on SST-2 test sentences, batch 32 (texts sorted by length into batches):`);
console.log('| runtime | texts | embeddings/s | peak tfjs memory | peak RSS / note |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
process.exit(0);
