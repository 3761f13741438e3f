import { test, expect } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { generate, toCsv } from '../fixtures/train-generator';
import { freshApp, newProject } from './data-step';
import { storedRows } from './stored';

/**
 * The Train step end to end: seeds uploaded through the Data step, a student trained in the
 * worker on WebGPU (SwiftShader's adapter headless), checked on texts it never saw, while the
 * page keeps answering input.
 */
const FIXTURE = fileURLToPath(new URL('../fixtures/train-3class.csv', import.meta.url));
const HELD_OUT = fileURLToPath(new URL('../fixtures/train-heldout.csv', import.meta.url));
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

if (process.env.DISTILLERY_URL) test.use({ baseURL: process.env.DISTILLERY_URL });

function heldOut(): { text: string; label: string }[] {
  return readFileSync(HELD_OUT, 'utf8').trim().split('\n').slice(1).map((l) => {
    const i = l.lastIndexOf(',');
    return { text: l.slice(0, i), label: l.slice(i + 1) };
  });
}

test.beforeEach(async ({ page }) => {
  await freshApp(page);
  mkdirSync(SHOTS, { recursive: true });
});

test('trains on WebGPU in the worker, reports webgpu, beats chance on held-out texts, page answers input meanwhile', async ({ page }) => {
  const gpu = await page.evaluate(async () => !!(await (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter()));
  expect(gpu, 'this Chromium exposes no WebGPU adapter (see tests/e2e/chromium.ts for the SwiftShader flags)').toBe(true);

  await newProject(page, 'Topics', readFileSync(FIXTURE), 60);
  await page.getByRole('button', { name: /Train$/ }).click();
  await expect(page.getByRole('heading', { name: 'Train', level: 2 })).toBeVisible();
  const picker = page.getByTestId('train-backend');
  await expect(picker.locator('option[value="webgpu"]')).toHaveCount(1);
  await picker.selectOption('webgpu');
  await page.getByTestId('train-epochs').fill('60');

  // Long tasks on the main thread while the worker trains: a frozen page shows up here.
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) w.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: false });
  });
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-cancel')).toBeVisible();

  // Once the first epoch is in, the live curve is there; answer a click on it while later epochs run.
  const tableToggle = page.getByText('Show as table').first();
  await expect(tableToggle).toBeVisible({ timeout: 120_000 });
  const epochsBefore = await page.locator('[data-testid="train-status"] progress').getAttribute('value');
  const t0 = Date.now();
  await tableToggle.click();
  await expect(page.locator('details[open]').first()).toBeVisible();
  const clickMs = Date.now() - t0;
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.tagName ?? '');
  expect(focused).not.toBe('BODY');
  await expect(page.getByTestId('backend-running')).toHaveText('webgpu');
  await page.screenshot({ path: SHOTS + 'train-running.png', fullPage: true });
  // Training was still going: a later epoch (or the end of the run) came after the click.
  await expect(async () => {
    const phase = await page.getByTestId('train-status').getAttribute('data-phase');
    const now = await page.locator('[data-testid="train-status"] progress').getAttribute('value').catch(() => null);
    expect(phase === 'done' || Number(now) > Number(epochsBefore)).toBe(true);
  }).toPass({ timeout: 120_000 });
  expect(clickMs, 'the page took too long to answer a click while training').toBeLessThan(2_000);

  await expect(page.getByTestId('train-result')).toBeVisible({ timeout: 170_000 });
  await expect(page.getByTestId('backend-ran')).toHaveText('webgpu');
  const longTasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
  expect(Math.max(0, ...longTasks), `main-thread long tasks during training: ${longTasks.join(', ')} ms`).toBeLessThan(1_000);

  // Held-out texts the student never saw (neither trained nor validated on).
  const held = heldOut();
  await page.getByTestId('try-texts').fill(held.map((h) => h.text).join('\n'));
  await page.getByRole('button', { name: 'Classify' }).click();
  const labels = page.getByTestId('try-label');
  await expect(labels).toHaveCount(held.length);
  const got = await labels.allTextContents();
  const correct = got.filter((l, i) => l === held[i].label).length;
  // Chance on three balanced classes is 1/3.
  expect(correct / held.length, `held-out predictions: ${got.join(', ')}`).toBeGreaterThanOrEqual(0.8);
  await page.screenshot({ path: SHOTS + 'train-done.png', fullPage: true });

  // The result survives a reload (kept with the project) and the stored student is found again.
  await page.reload();
  await expect(page.getByTestId('backend-ran')).toHaveText('webgpu');
  const shownF1 = parseFloat((await page.getByTestId('val-macro-f1').textContent())!) / 100;

  // The Export step bundles this student: its labels, weights and the metrics the Train step showed.
  await page.getByRole('button', { name: /Export$/ }).click();
  const [zip] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByRole('button', { name: 'Download bundle' }).click()]);
  const files = unzipSync(new Uint8Array(readFileSync(await zip.path())));
  const json = (name: string) => JSON.parse(Buffer.from(files[name]).toString('utf8'));
  expect(json('labels.json')).toEqual(['cooking', 'sports', 'weather']);
  expect(files['weights.bin'].byteLength).toBeGreaterThan(0);
  expect(json('metrics.json').val.macroF1).toBeCloseTo(shownF1, 3);
});

test('one class only: the Train step says so and sends the user back to Data', async ({ page }) => {
  const csv = 'text,label\n' + Array.from({ length: 12 }, (_, i) => `great film number ${i},positive`).join('\n') + '\n';
  await newProject(page, 'One class', Buffer.from(csv), 12);
  await page.getByRole('button', { name: /Train$/ }).click();
  await page.getByTestId('train-backend').selectOption('cpu');
  await page.getByTestId('train-start').click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('only one label');
  await expect(alert).toContainText('Add examples of another label');
  await page.screenshot({ path: SHOTS + 'train-one-class.png', fullPage: true });
  await page.getByRole('button', { name: 'Back to Data' }).click();
  await expect(page.getByRole('button', { name: /Data$/ })).toHaveAttribute('aria-current', 'step');
});

test('Automatic times one training step on each backend, runs on the fastest, and says which', async ({ page }) => {
  await newProject(page, 'Topics', readFileSync(FIXTURE), 60);
  await page.getByRole('button', { name: /Train$/ }).click();
  await expect(page.getByTestId('train-backend').locator('option[value="cpu"]')).toHaveCount(1);
  const offered = await page.getByTestId('train-backend').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter((v) => v !== 'auto'));
  await page.getByTestId('train-epochs').fill('3');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-result')).toBeVisible({ timeout: 170_000 });
  const ran = (await page.getByTestId('backend-ran').textContent())!;
  expect(offered).toContain(ran);
  await page.getByTestId('train-result').getByText('Under the hood').click();
  const timings = page.getByTestId('train-choice');
  // Every offered backend was timed, in plain words, and the one that ran is the one named as used.
  const NAMES: Record<string, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly', cpu: 'Plain JavaScript (CPU)' };
  for (const b of offered) await expect(timings).toContainText(`${NAMES[b]}: `);
  await expect(timings).toContainText(`using ${NAMES[ran]}.`);
  // Timing every backend and training left nothing behind in the worker but the student.
  await expect(page.getByTestId('train-memory')).toHaveAttribute('data-leaked', '0');
  await page.screenshot({ path: SHOTS + 'train-auto.png', fullPage: true });
});

test('cancel stops a run and saves no student', async ({ page }) => {
  // Big enough that epochs take a while: the run is surely still going when Cancel is pressed.
  await newProject(page, 'Generated', Buffer.from(toCsv(generate(4000, 7))), 4000);
  await page.getByRole('button', { name: /Train$/ }).click();
  await page.getByTestId('train-backend').selectOption('cpu');
  await page.getByTestId('train-epochs').fill('500');
  await page.getByTestId('train-start').click();
  await expect(page.getByText('Show as table').first()).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('train-cancel').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'cancelled');
  await expect(page.getByTestId('train-result')).toHaveCount(0);
  await expect(page.getByTestId('train-start')).toBeEnabled();
  expect(await storedRows(page, 'models')).toHaveLength(0);
});

test('the pretrained encoder: offered in plain words, a picked model folder loads in the worker, a head trains on its vectors', async ({ page }) => {
  await newProject(page, 'Topics', readFileSync(FIXTURE), 60);
  await page.getByRole('button', { name: /Train$/ }).click();
  const choice = page.getByRole('group', { name: 'How the student reads text' });
  await expect(choice).toContainText('downloads once and is then kept by the browser');
  await expect(choice).toContainText(/all-MiniLM-L6-v2, a small language model[\s\S]*\(\d+ MB, Apache-2\.0\)/);
  await page.getByTestId('student-encoder').check();
  // Without a loaded encoder there is nothing to train on yet.
  await expect(page.getByTestId('train-start')).toBeDisabled();
  // The tiny random test BERT stands in for a downloaded model folder (the real one is 91 MB).
  await page.getByTestId('encoder-folder').setInputFiles(fileURLToPath(new URL('../fixtures/tiny-bert', import.meta.url)));
  await expect(page.getByTestId('encoder-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('encoder-status')).toContainText('Loaded from the picked folder');
  await page.getByTestId('train-backend').selectOption('wasm');
  await page.getByTestId('train-epochs').fill('5');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'done', { timeout: 150_000 });
  await expect(page.getByText('Next: Evaluate')).toBeVisible();
});

test('the word student and a head on the encoder in one session: each trains in the worker and classifies typed texts', async ({ page }) => {
  await newProject(page, 'Topics', readFileSync(FIXTURE), 60);
  await page.getByRole('button', { name: /Train$/ }).click();
  await page.screenshot({ path: SHOTS + 'train-choice.png', fullPage: true });
  const held = heldOut().slice(0, 6);
  const classify = async () => {
    await page.getByTestId('try-texts').fill(held.map((h) => h.text).join('\n'));
    await page.getByRole('button', { name: 'Classify' }).click();
    await expect(page.getByTestId('try-label')).toHaveCount(held.length);
    for (const l of await page.getByTestId('try-label').allTextContents()) expect(['cooking', 'sports', 'weather']).toContain(l);
  };
  // The word student first (the default), on cpu.
  await expect(page.getByTestId('student-word')).toBeChecked();
  await page.getByTestId('train-backend').selectOption('cpu');
  await page.getByTestId('train-epochs').fill('5');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'done', { timeout: 150_000 });
  await classify();
  await page.screenshot({ path: SHOTS + 'train-word-done.png', fullPage: true });
  // Then a head on the picked encoder folder, on wasm, in the same worker.
  await page.getByTestId('student-encoder').check();
  await page.getByTestId('encoder-folder').setInputFiles(fileURLToPath(new URL('../fixtures/tiny-bert', import.meta.url)));
  await expect(page.getByTestId('encoder-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.getByTestId('train-backend').selectOption('wasm');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'done', { timeout: 150_000 });
  await expect(page.getByTestId('backend-ran')).toHaveText('wasm');
  // The head classifies through the loaded encoder (the worker embeds the typed texts first).
  await classify();
  await page.screenshot({ path: SHOTS + 'train-encoder-done.png', fullPage: true });
  // And the word student trains again after it, with the encoder still loaded.
  await page.getByTestId('student-word').check();
  await page.getByTestId('train-backend').selectOption('cpu');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'done', { timeout: 150_000 });
  await expect(page.getByTestId('backend-ran')).toHaveText('cpu');
  await classify();
});
