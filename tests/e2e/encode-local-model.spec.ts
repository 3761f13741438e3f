/**
 * Acceptance: the sentence-encoder path loads a local model folder with no network access. The
 * built app's encoder check page hands the picked folder (the project's tiny random BERT,
 * tests/fixtures/tiny-minilm) to the app's worker, which runs transformers.js + onnxruntime-web
 * with the wasm runtime served by the app itself. Every request the browser makes (page and
 * worker) is intercepted: anything not on 127.0.0.1 is recorded and refused.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type BrowserContext } from '@playwright/test';
import { SentenceEncoder } from '../../src/core/encode/sentence.js';
import { localModelSource } from '../../src/core/encode/sentence-node.js';
import { GloveEncoder } from '../../src/core/encode/glove.js';
import { loadWordVectorsFromDisk } from '../../src/core/encode/word-vectors-node.js';

const FIXTURE = resolve('tests/fixtures/tiny-minilm');
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

let reference: Float32Array[];
test.beforeAll(async () => {
  const { source } = await localModelSource(FIXTURE);
  const enc = await SentenceEncoder.load({ source });
  reference = await enc.encode(SAMPLE);
  await enc.dispose();
});

for (const device of ['auto', 'wasm'] as const) {
  test(`a picked model folder loads and embeds in the worker (${device}) with no request leaving 127.0.0.1`, async ({ page, context }) => {
    const net = await guardNetwork(context);
    await page.goto('/encode-check.html');
    await page.locator('#device').selectOption(device);
    await page.locator('#folder').setInputFiles(FIXTURE);
    await expect(page.locator('#status')).toHaveAttribute('data-state', /ready|error/, { timeout: 150_000 });
    expect(await page.locator('#status').getAttribute('data-state'), await page.locator('#status').textContent() ?? '').toBe('ready');

    const result = JSON.parse((await page.locator('#result').textContent())!) as {
      id: string; device: string; dim: number; norms: number[]; vectors: number[][];
    };
    expect(result.id).toMatch(/^st:files:[0-9a-f]{16}:fp32$/);
    expect(result.dim).toBe(32);
    expect(result.device).toBe(device === 'auto' ? 'webgpu' : 'wasm');
    // Same model, same tokenizer, same pooling as onnxruntime-node in Node.
    result.vectors.forEach((v, i) => {
      expect(result.norms[i]).toBeCloseTo(1, 4);
      v.forEach((x, j) => expect(x).toBeCloseTo(reference[i]![j]!, 3));
    });

    expect(net.outside).toEqual([]);
    // The worker's own fetches are observed too: the wasm runtime came from the app itself.
    expect(net.seen.some((u) => u.startsWith(`http://127.0.0.1:${process.env.E2E_PORT ?? 4173}/ort/ort-wasm-simd-threaded.asyncify.wasm`))).toBe(true);
  });
}

test('a folder without onnx/ says what is missing', async ({ page, context }) => {
  const net = await guardNetwork(context);
  await page.goto('/encode-check.html');
  const dir = join(mkdtempSync(join(tmpdir(), 'no-onnx-')), 'half-model');
  mkdirSync(dir);
  for (const f of ['config.json', 'tokenizer.json']) copyFileSync(join(FIXTURE, f), join(dir, f));
  await page.locator('#folder').setInputFiles(dir);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'error', { timeout: 60_000 });
  await expect(page.locator('#status')).toContainText('onnx/model.onnx');
  expect(net.outside).toEqual([]);
});

test('the GloVe table is served by the app and embeds in the worker like in Node, offline', async ({ page, context }) => {
  const net = await guardNetwork(context);
  const expected = await new GloveEncoder(await loadWordVectorsFromDisk()).encode(SAMPLE);
  await page.goto('/encode-check.html');
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
