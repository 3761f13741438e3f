/**
 * The Accurate (pretrained transformer) student's bundle predicts in Node what the app predicted:
 * the Train step fine-tunes the tiny BERT fixture in the worker (the app's MiniLM files answered
 * with tests/fixtures/tiny-bert's, the seam finetune.spec.ts uses), the Export step's "Try it" box
 * gives the app's class probabilities (its <meter> values, unrounded), and the downloaded zip's
 * example.mjs, run in Node, must give every one of them within 1e-4.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { expect, test } from '@playwright/test';
import { freshApp, newProject } from './data-step';
import { answerMiniLmWithTinyBert } from './tiny-bert-seam.js';

const FIXTURE = resolve('tests/fixtures/train-3class.csv');

test('the exported transformer bundle predicts in Node the scores the app showed, within 1e-4', async ({ page, context }) => {
  test.setTimeout(400_000);
  await answerMiniLmWithTinyBert(context);
  await freshApp(page);
  await newProject(page, 'Topics', readFileSync(FIXTURE), 60);
  await page.getByRole('button', { name: /Train$/ }).click();
  await page.getByTestId('student-transformer').check();
  await page.getByTestId('train-backend').selectOption('wasm');
  await page.getByTestId('encoder-load').click();
  await expect(page.getByTestId('encoder-status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.getByTestId('train-epochs').fill('2');
  await page.getByTestId('train-estimate').click();
  await expect(page.getByTestId('train-estimate-text')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-result')).toBeVisible({ timeout: 240_000 });
  mkdirSync('tests/e2e/screenshots', { recursive: true });
  await page.screenshot({ path: 'tests/e2e/screenshots/finetune-train.png', fullPage: true });

  // The Export step: the bundle of the Train step's model.
  await page.getByRole('button', { name: /Export$/ }).click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download bundle' }).click()]);
  const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  const labels = JSON.parse(strFromU8(files['labels.json'])) as string[];
  expect(labels).toHaveLength(3);

  // The app's scores: the "Try it" box's meters hold each probability unrounded.
  const texts = ['the match ended in a late goal', 'stir the sauce and add salt', 'rain and wind all night', 'a quiet day'];
  const app: Record<string, number>[] = [];
  const box = page.getByLabel('Try it: type a text');
  for (const text of texts) {
    await box.fill(text);
    const result = page.getByTestId('try-result');
    await expect(result).toHaveAttribute('aria-busy', 'false');
    await expect(page.getByTestId('try-label')).toBeVisible();
    await page.waitForTimeout(400); // the box answers 120 ms after the last keystroke
    await expect(result).toHaveAttribute('aria-busy', 'false');
    const scores: Record<string, number> = {};
    for (const label of labels) scores[label] = await page.getByRole('meter', { name: `${label} probability` }).evaluate((m) => (m as HTMLMeterElement).value);
    app.push(scores);
  }

  // Unzipped under the repo, so `@tensorflow/tfjs` and the tokenizer resolve from its node_modules.
  const dir = test.info().outputPath('bundle');
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  const out = execFileSync(process.execPath, [join(dir, 'example.mjs'), ...texts], { encoding: 'utf8', timeout: 120_000 });
  const node = out.trim().split('\n').map((l) => JSON.parse(l) as { text: string; label: string; scores: Record<string, number> });
  expect(node.map((p) => p.text)).toEqual(texts);
  console.log(JSON.stringify({ app, node: node.map((p) => p.scores) }));
  let worst = 0;
  texts.forEach((t, i) => {
    for (const label of labels) {
      const d = Math.abs(node[i]!.scores[label]! - app[i]![label]!);
      worst = Math.max(worst, d);
      expect(d, `${t}: ${label} app ${app[i]![label]} node ${node[i]!.scores[label]}`).toBeLessThanOrEqual(1e-4);
    }
  });
  console.log(`largest app–Node score difference: ${worst.toExponential(2)}`);
});
