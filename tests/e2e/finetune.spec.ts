/**
 * Fine-tuning the pretrained transformer in the browser, in the app's worker:
 *   - the tiny random BERT fixture (2 layers, tests/fixtures/tiny-bert) on WebGPU (SwiftShader
 *     here) through the encoder check page (tests/e2e/encoder-harness, served on its own port): the loss falls, the backend that ran is webgpu, and the
 *     worker holds as many tensors after the run as before;
 *   - a few real all-MiniLM-L6-v2 steps (the app's /models/ copy) on wasm: the real weights train
 *     in Chromium (the loss is finite and moves);
 *   - the Train step's Accurate choice end to end: the one-step time estimate, per-step progress,
 *     the scores; and a reload mid-run continues from the last epoch's checkpoint. The app's
 *     /models/all-MiniLM-L6-v2/ files are answered with the tiny fixture's (a test seam in the
 *     browser's network, nothing in the app), so the run takes seconds, not hours.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { freshApp, newProject } from './data-step';
import { serveEncoderHarness } from './encoder-harness/harness.js';
import { answerMiniLmWithTinyBert, TINY_BERT } from './tiny-bert-seam.js';
import { keywordReviews } from '../fixtures/keyword-reviews.js';

const TINY = TINY_BERT;
const HAVE_MINILM = existsSync('public/models/all-MiniLM-L6-v2/model.safetensors');
// The encoder check page on its own port (beside the app's preview, 4173, and encoder.spec.ts's 4181).
const PORT = Number(process.env.FINETUNE_HARNESS_PORT ?? 4183);
let harness: { url: string; close: () => Promise<void> } | undefined;

interface CheckResult {
  backend: string;
  history: { epoch: number; loss: number; valAccuracy: number }[];
  steps: { steps: number; loss: number; examplesPerSecond: number }[];
  tensorsBefore: number;
  tensorsAfter: number;
  seconds: number;
}

/** Sentences whose label is one word among fillers: learnable, not by chance (a small LCG as the random source). */
function reviews(n: number, seed: number): { texts: string[]; labels: string[] } {
  let s = seed;
  return keywordReviews(n, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31), 6);
}

async function fineTuneCheck(page: Page, load: () => Promise<void>, backend: string, data: object): Promise<CheckResult> {
  harness ??= await serveEncoderHarness(PORT);
  await page.goto(`${harness.url}/`);
  await page.locator('#backend').selectOption(backend);
  await load();
  await expect(page.locator('#ft-status')).toHaveAttribute('data-state', /loaded|error/, { timeout: 120_000 });
  expect(await page.locator('#ft-status').getAttribute('data-state'), await page.locator('#ft-status').textContent() ?? '').toBe('loaded');
  await page.locator('#ft-data').fill(JSON.stringify(data));
  await page.locator('#ft-run').click();
  await expect(page.locator('#ft-status')).toHaveAttribute('data-state', /done|error/, { timeout: 540_000 });
  expect(await page.locator('#ft-status').getAttribute('data-state'), await page.locator('#ft-status').textContent() ?? '').toBe('done');
  return JSON.parse((await page.locator('#ft-result').textContent())!) as CheckResult;
}

test.afterAll(async () => { await harness?.close(); });

test('the tiny BERT fine-tunes on WebGPU in the worker: the loss falls, webgpu ran it, no tensor is left behind', async ({ page }) => {
  test.setTimeout(300_000);
  // The tiny BERT's random weights carry no meaning, so all of it trains, at high rates, without the SetFit stage (as in the unit test).
  const hyper = { epochs: 5, batchSize: 8, bodyLearningRate: 1e-2, learningRate: 3e-2, patience: 10, freezeEmbeddings: false, contrastivePairs: 0 };
  const r = await fineTuneCheck(page, () => page.locator('#ft-folder').setInputFiles(TINY), 'webgpu', { train: reviews(32, 1), val: reviews(16, 2), hyper });
  console.log(`tiny BERT on webgpu (SwiftShader): epoch losses ${r.history.map((h) => h.loss.toFixed(3)).join(' → ')}, ${r.steps.length} steps in ${r.seconds.toFixed(1)} s`);
  expect(r.backend).toBe('webgpu');
  expect(r.history).toHaveLength(5);
  expect(r.steps.length).toBeGreaterThanOrEqual(5 * 4);
  expect(r.history.at(-1)!.loss).toBeLessThan(0.8 * r.history[0]!.loss);
  expect(r.tensorsAfter).toBe(r.tensorsBefore);
});

test.describe('all-MiniLM-L6-v2 from the app\'s /models/', () => {
  test.skip(!HAVE_MINILM, 'public/models/all-MiniLM-L6-v2 is not installed (npm run models), so the build has no /models/');

  test('real fine-tuning steps in Chromium (wasm): the loss is finite and falls on the same batch, no tensor is left behind', async ({ page }) => {
    test.setTimeout(600_000);
    // Four short texts, one batch of all four: one epoch is 20 steps on that same batch (an epoch
    // is at least 20 steps, train.ts), then validation. The loss on the same batch falls only if
    // the real weights train.
    const train = { texts: ['a great film', 'I loved it', 'dull and slow', 'a waste of time'], labels: ['pos', 'pos', 'neg', 'neg'] };
    const val = { texts: ['wonderful acting', 'boring plot'], labels: ['pos', 'neg'] };
    const r = await fineTuneCheck(page, () => page.locator('#ft-app').click(), 'wasm', { train, val, hyper: { epochs: 1, batchSize: 4, patience: 10, contrastivePairs: 0 } });
    const losses = r.steps.map((s) => s.loss);
    console.log(`all-MiniLM-L6-v2 on ${r.backend}: step losses ${losses.map((l) => l.toFixed(3)).join(', ')}; ${r.steps.at(-1)!.examplesPerSecond.toFixed(2)} examples/s, ${r.seconds.toFixed(1)} s in all`);
    expect(r.backend).toBe('wasm');
    expect(losses).toHaveLength(20);
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.8 * mean(losses.slice(0, 5)));
    expect(r.tensorsAfter).toBe(r.tensorsBefore);
  });
});

test.describe('the Train step\'s Accurate student', () => {
  // 60 texts, 48 to train (16 per class): few enough that the student learns SetFit's way.
  const FEW = readFileSync(resolve('tests/fixtures/train-3class.csv'));
  // 75 texts, 60 to train (20 per class): fine-tuned whole, epochs long enough to reload in.
  const MORE = Buffer.concat([FEW, Buffer.from(readFileSync(resolve('tests/fixtures/train-heldout.csv'), 'utf8').split('\n').slice(1).join('\n'))]);

  async function openAccurate(page: Page, context: BrowserContext, csv: Buffer, accepted: number): Promise<void> {
    // The app's MiniLM files are answered with the tiny BERT's: the same code path, seconds instead of hours.
    await answerMiniLmWithTinyBert(context);
    await freshApp(page);
    await newProject(page, 'Topics', csv, accepted);
    await page.getByRole('button', { name: /Train$/ }).click();
    await page.getByTestId('student-transformer').check();
    await expect(page.getByTestId('train-epochs')).toHaveValue('4');
    // wasm: the tiny BERT trains ~35x faster there than on SwiftShader's emulated WebGPU (the test above covers webgpu).
    await expect(page.getByTestId('train-backend').locator('option[value="wasm"]')).toHaveCount(1);
    await page.getByTestId('train-backend').selectOption('wasm');
  }

  test('measures one step, shows the whole run\'s time, trains in the worker with per-step progress and shows its scores', async ({ page, context }) => {
    await openAccurate(page, context, FEW, 60);
    await expect(page.getByTestId('train-estimate')).toBeDisabled(); // nothing loaded yet
    await page.getByTestId('encoder-load').click();
    await expect(page.getByTestId('encoder-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await page.getByTestId('train-epochs').fill('3');
    await page.getByTestId('train-estimate').click();
    const estimate = page.getByTestId('train-estimate-text');
    await expect(estimate).toContainText(/about \d+ (s|min) for 3 epochs of 48 texts\s+on WebAssembly on this machine/, { timeout: 120_000 });
    // 16 per class: the SetFit stage first (48 texts × 20 rounds × 2 pairs, 16 pairs a step), in the estimate and in the progress.
    await expect(estimate).toContainText(/120 steps of learning from pairs of examples first \(SetFit stage\)/);
    // SetFit's recipe already trains the classifier alone: "Quicker" is not offered with so few examples.
    await expect(page.getByTestId('train-quicker')).toHaveCount(0);
    // A backend the user named is not timed against the others.
    await expect(page.getByTestId('train-estimate-choice')).toHaveCount(0);
    // A change of settings asks for a new measurement.
    await page.getByTestId('train-epochs').fill('2');
    await expect(page.getByTestId('train-estimate')).toBeVisible();
    await page.getByTestId('train-epochs').fill('3');
    await page.getByTestId('train-start').click();
    await expect(page.getByText(/Learning from pairs of examples before the classifier \(SetFit stage\): step \d+ of 120/)).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('train-step-speed')).toContainText(/steps\/s · [\d.]+ examples\/s · about \d+ (s|min) left/, { timeout: 120_000 });
    await expect(page.getByTestId('backend-running')).toHaveText('wasm');
    await expect(page.getByTestId('train-result')).toBeVisible({ timeout: 240_000 });
    await expect(page.getByTestId('backend-ran')).toHaveText('wasm');
    await expect(page.getByTestId('train-what')).toHaveText('pairs of examples (20 per text, SetFit stage) taught all 2 layers first; then the classifier alone trained');
    await expect(page.getByTestId('val-accuracy')).toHaveText(/^\d+\.\d% \(95% interval [\d.]+–[\d.]+%, 12 texts\)$/);
    await expect(page.getByText('Next: Evaluate')).toBeVisible();
    await expect(page.getByRole('img', { name: 'Validation score per epoch' }).or(page.getByText('Validation score per epoch')).first()).toBeVisible();
  });

  test('Automatic: the estimate times each backend that starts and names them; the run, and its continuation after a reload, train on its choice without timing again', async ({ page, context }) => {
    test.setTimeout(480_000);
    await openAccurate(page, context, MORE, 75);
    await page.getByTestId('train-backend').selectOption('auto');
    const offered = await page.getByTestId('train-backend').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    await page.getByTestId('encoder-load').click();
    await expect(page.getByTestId('encoder-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await page.getByTestId('train-epochs').fill('6');
    await page.getByTestId('train-estimate').click();
    const choice = page.getByTestId('train-estimate-choice');
    await expect(choice).toBeVisible({ timeout: 300_000 });
    const timings = JSON.parse((await choice.getAttribute('data-timings'))!) as Record<string, number | null>;
    const chosen = (await choice.getAttribute('data-backend'))!;
    console.log(`tiny BERT trial step per backend (ms): ${JSON.stringify(timings)}; chosen ${chosen}`);
    // Every GPU and WebAssembly backend this browser starts was timed; cpu (a minute a step of MiniLM) was not.
    const timed = offered.filter((b) => ['webgpu', 'webgl', 'wasm'].includes(b));
    expect(timed).toContain('wasm');
    expect(Object.keys(timings).sort()).toEqual([...timed].sort());
    const NAMES: Record<string, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly' };
    for (const b of timed) await expect(choice).toContainText(new RegExp(`${NAMES[b]}: [\\d.]+ (s|min) a step`));
    await expect(choice).toContainText(`using ${NAMES[chosen]}.`);
    await expect(choice).not.toContainText('Plain JavaScript');
    // The fastest was kept, and the whole run's time is measured there.
    const fastest = Object.entries(timings).filter(([, ms]) => ms !== null).sort((a, b) => a[1]! - b[1]!)[0]![0];
    expect(chosen).toBe(fastest);
    await expect(page.getByTestId('train-estimate-text')).toContainText(`on ${NAMES[chosen]} on this machine`);

    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('backend-running')).toHaveText(chosen, { timeout: 120_000 });
    await expect(page.getByTestId('train-status')).toContainText(/\(epoch 2, step/, { timeout: 120_000 });
    await page.reload();
    await expect(page.getByTestId('train-resumed')).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('backend-running')).toHaveText(chosen, { timeout: 120_000 });
    await expect(page.getByTestId('train-result')).toBeVisible({ timeout: 240_000 });
    await expect(page.getByTestId('backend-ran')).toHaveText(chosen);
    // The run reports the estimate's very timings: neither the run nor its continuation timed again.
    expect(JSON.parse((await page.getByTestId('train-choice').getAttribute('data-timings'))!)).toEqual(timings);
  });

  test('"Quicker" trains the top half of the layers, and a reload mid-run continues from the last epoch\'s checkpoint with it and says so', async ({ page, context }) => {
    await openAccurate(page, context, MORE, 75);
    await page.getByTestId('encoder-load').click();
    await expect(page.getByTestId('encoder-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await page.getByTestId('train-epochs').fill('6');
    await expect(page.getByTestId('train-quicker')).toHaveCount(0); // offered once a measurement shows more than a few examples per class
    await page.getByTestId('train-estimate').click();
    await expect(page.getByTestId('train-estimate-text')).toBeVisible({ timeout: 120_000 });
    await page.getByTestId('train-quicker').check();
    // Another setting: measured again before starting.
    await expect(page.getByTestId('train-estimate-text')).toHaveCount(0);
    await page.getByTestId('train-estimate').click();
    await expect(page.getByTestId('train-estimate-text')).toBeVisible({ timeout: 120_000 });
    await page.getByTestId('train-start').click();
    // Once an epoch is done its checkpoint is stored: reload in the middle of the next ones.
    await expect(page.getByTestId('train-status')).toContainText(/\(epoch 2, step/, { timeout: 120_000 });
    await page.reload();
    await expect(page.getByTestId('train-resumed')).toHaveText(/Resumed from epoch [1-5]$/, { timeout: 120_000 });
    const from = Number((await page.getByTestId('train-resumed').textContent())!.match(/\d+$/)![0]);
    await expect(page.getByTestId('train-result')).toBeVisible({ timeout: 240_000 });
    await expect(page.getByTestId('val-accuracy')).toHaveText(/^\d+\.\d% \(95% interval [\d.]+–[\d.]+%, 15 texts\)$/);
    // The continuation kept the choice: the tiny BERT's top layer of 2 trained, over the lower one's cached outputs.
    await expect(page.getByTestId('train-what')).toHaveText('The top 1 of 2 layers and the classifier trained; the lower 1 stayed as pretrained');
    await expect(page.getByTestId('train-quicker')).toBeChecked();
    // The finished run's epochs include the ones before the reload.
    const ran = Number((await page.getByTestId('train-result').textContent())!.match(/Kept epoch\s*\d+ of (\d+)/)![1]);
    expect(ran).toBeGreaterThan(from);
  });

  test('Cancel stops a run in the worker, and a reload then starts afresh instead of continuing it', async ({ page, context }) => {
    await openAccurate(page, context, MORE, 75);
    await page.getByTestId('encoder-load').click();
    await expect(page.getByTestId('encoder-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await page.getByTestId('train-estimate').click();
    await expect(page.getByTestId('train-estimate-text')).toBeVisible({ timeout: 120_000 });
    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('train-status')).toContainText(/\(epoch 2, step/, { timeout: 120_000 });
    await page.getByTestId('train-cancel').click();
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'cancelled', { timeout: 60_000 });
    await page.reload();
    await page.getByRole('button', { name: /Train$/ }).click().catch(() => undefined);
    await expect(page.getByRole('heading', { name: 'Train', level: 2 })).toBeVisible();
    // Nothing to continue: the step waits for a new start, and no run began by itself.
    await page.waitForTimeout(3_000);
    await expect(page.getByTestId('train-resumed')).toHaveCount(0);
    await expect(page.getByTestId('train-cancel')).toHaveCount(0);
    await expect(page.getByTestId('train-status')).toHaveAttribute('data-phase', 'idle');
  });
});
