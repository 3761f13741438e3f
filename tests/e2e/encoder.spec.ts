/**
 * The pretrained sentence encoder in the browser: the app's worker runs the TF.js BERT
 * (core/transformer) through the encoder check page (tests/e2e/encoder-harness, built and served
 * here on its own port, with the app's public/ folder).
 *   - all-MiniLM-L6-v2 as the app serves it from /models/ (what `npm run models` installs), on
 *     WebGPU (SwiftShader here), matches PyTorch's sentence-transformers within 1e-3;
 *   - a model folder the user picks loads from disk with no request leaving 127.0.0.1, and a
 *     folder missing its weights says so.
 * Every request the browser makes (page and worker) is intercepted: anything not on 127.0.0.1 is
 * recorded and refused. SwiftShader emulates the GPU on the CPU, so the real model gets few texts.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { GloveEncoder } from '../../src/core/encode/glove.js';
import { loadWordVectorsFromDisk } from '../../src/core/encode/word-vectors-node.js';
import { serveEncoderHarness } from './encoder-harness/harness.js';

const TINY = resolve('tests/fixtures/tiny-bert');
const HAVE_MINILM = existsSync('public/models/all-MiniLM-L6-v2/model.safetensors');
// Its own port, so it can run beside the app's preview (4173) and the flow-UI harness (4179).
const PORT = Number(process.env.ENCODER_HARNESS_PORT ?? 4181);
let harness: { url: string; close: () => Promise<void> } | undefined;
test.beforeAll(async () => {
  test.setTimeout(120_000);
  harness = await serveEncoderHarness(PORT);
});
test.afterAll(async () => { await harness?.close(); });
const SAMPLE = ['A fine film with great acting.', 'Stocks fell as oil prices rose.', 'short'];

async function guardNetwork(context: BrowserContext) {
  const seen: string[] = [];
  const outside: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    seen.push(url.href);
    if (url.hostname === '127.0.0.1') await route.continue();
    else { outside.push(url.href); await route.abort('blockedbyclient'); }
  });
  context.on('request', (r) => {
    const url = new URL(r.url());
    if (url.protocol !== 'blob:' && url.protocol !== 'data:' && url.hostname !== '127.0.0.1') outside.push(url.href);
  });
  return { seen, outside };
}

interface CheckResult { id: string; backend: string; from: string; dim: number; ms: number; vectors: number[][] }

/** Loads (app model or picked folder) on `backend`, embeds `texts`, returns the page's result. */
async function check(page: Page, load: () => Promise<void>, backend: string, texts: string[]): Promise<CheckResult> {
  await page.goto(`${harness!.url}/`);
  await page.locator('#backend').selectOption(backend);
  await load();
  await expect(page.locator('#status')).toHaveAttribute('data-state', /loaded|error/, { timeout: 170_000 });
  expect(await page.locator('#status').getAttribute('data-state'), await page.locator('#status').textContent() ?? '').toBe('loaded');
  await page.locator('#texts').fill(JSON.stringify(texts));
  await page.locator('#embed').click();
  await expect(page.locator('#status')).toHaveAttribute('data-state', /ready|error/, { timeout: 170_000 });
  expect(await page.locator('#status').getAttribute('data-state'), await page.locator('#status').textContent() ?? '').toBe('ready');
  return JSON.parse((await page.locator('#result').textContent())!) as CheckResult;
}

const maxAbs = (got: number[][], want: number[][]) => Math.max(...got.map((r, i) => Math.max(...r.map((v, j) => Math.abs(v - want[i]![j]!)))));

test.describe('all-MiniLM-L6-v2 from the app\'s /models/', () => {
  test.skip(!HAVE_MINILM, 'public/models/all-MiniLM-L6-v2 is not installed (npm run models), so the build has no /models/');

  test('on WebGPU in the worker, within 1e-3 of PyTorch, nothing fetched from outside', async ({ page, context }) => {
    test.setTimeout(360_000);
    const net = await guardNetwork(context);
    const ref = JSON.parse(readFileSync('tests/fixtures/minilm-reference.json', 'utf8')) as { texts: string[]; embeddings: number[][] };
    // Few texts: SwiftShader runs WebGPU on the CPU. One word, accents + emoji, numbers, mixed case.
    const pick = [0, 11, 12, 14, 15];
    const r = await check(page, () => page.locator('#app').click(), 'webgpu', pick.map((i) => ref.texts[i]!));
    expect(r.backend).toBe('webgpu');
    expect(r.from).toBe('this app');
    expect(r.id).toBe('bert:53aa51172d142c89:mean-l2:256');
    const diff = maxAbs(r.vectors, pick.map((i) => ref.embeddings[i]!));
    console.log(`all-MiniLM-L6-v2 on webgpu (SwiftShader): max |tfjs − torch| = ${diff.toExponential(2)} over ${pick.length} texts`);
    expect(diff).toBeLessThan(1e-3);
    expect(net.outside).toEqual([]);
    expect(net.seen.some((u) => u.endsWith('/models/all-MiniLM-L6-v2/model.safetensors'))).toBe(true);
  });
});

for (const backend of ['webgpu', 'wasm'] as const) {
  test(`a picked model folder loads from disk and embeds in the worker (${backend}) with no request leaving 127.0.0.1`, async ({ page, context }) => {
    const net = await guardNetwork(context);
    const ref = JSON.parse(readFileSync('tests/fixtures/tiny-bert-reference.json', 'utf8')) as { texts: string[]; mean_normalized: number[][] };
    const r = await check(page, () => page.locator('#folder').setInputFiles(TINY), backend, ref.texts);
    expect(r.backend).toBe(backend);
    expect(r.from).toBe('the picked folder');
    expect(r.dim).toBe(32);
    expect(maxAbs(r.vectors, ref.mean_normalized)).toBeLessThan(1e-3);
    expect(net.outside).toEqual([]);
  });
}

test('a folder without its weights says what is missing', async ({ page, context }) => {
  const net = await guardNetwork(context);
  await page.goto(`${harness!.url}/`);
  const dir = join(mkdtempSync(join(tmpdir(), 'no-weights-')), 'half-model');
  mkdirSync(dir);
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(TINY, f), join(dir, f));
  await page.locator('#folder').setInputFiles(dir);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'error', { timeout: 60_000 });
  await expect(page.locator('#status')).toContainText('has no model.safetensors');
  expect(net.outside).toEqual([]);
});

test('the GloVe table is served by the app and embeds in the worker like in Node, offline', async ({ page, context }) => {
  const net = await guardNetwork(context);
  const expected = await new GloveEncoder(await loadWordVectorsFromDisk()).encode(SAMPLE);
  await page.goto(`${harness!.url}/`);
  await page.locator('#glove').click();
  await expect(page.locator('#glove-status')).toHaveAttribute('data-state', /ready|error/, { timeout: 60_000 });
  expect(await page.locator('#glove-status').getAttribute('data-state'), await page.locator('#glove-status').textContent() ?? '').toBe('ready');
  const result = JSON.parse((await page.locator('#glove-result').textContent())!) as { id: string; dim: number; vectors: number[][] };
  expect(result.dim).toBe(100);
  expect(result.id).toBe(new GloveEncoder(await loadWordVectorsFromDisk()).id);
  result.vectors.forEach((v, i) => v.forEach((x, j) => expect(x).toBeCloseTo(expected[i]![j]!, 5)));
  expect(net.outside).toEqual([]);
  expect(net.seen.some((u) => u.endsWith('/vectors/glove-100d.bin'))).toBe(true);
});
