import { test, expect } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { freshApp, newProject } from './data-step';

/**
 * Scores a user can trust, end to end in the app (issues 16 and 19): a validation file and a test
 * file uploaded on the Data step, some of whose texts are also seeds (as they are, and in another
 * case with spaces around). The Data step says how many seeds that takes out of training before
 * anything trains; the Train step shows the same overlap, trains without those texts, and writes
 * every score with its count and 95% interval; Evaluate names the set each score rests on; Export
 * offers the model and its bundle's card states the overlap and the same numbers.
 */
const FIXTURE = fileURLToPath(new URL('../fixtures/train-3class.csv', import.meta.url));
const HELD_OUT = fileURLToPath(new URL('../fixtures/train-heldout.csv', import.meta.url));
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

if (process.env.DISTILLERY_URL) test.use({ baseURL: process.env.DISTILLERY_URL });

const rows = (file: string) => readFileSync(file, 'utf8').trim().split('\n').slice(1);

test.beforeEach(async ({ page }) => {
  await freshApp(page);
  mkdirSync(SHOTS, { recursive: true });
});

test('validation and test files that share texts with the seeds: the overlap is left out of training and shown on Data, Train, Evaluate and in the bundle', async ({ page }) => {
  await newProject(page, 'Topics', readFileSync(FIXTURE), 60);
  const seeds = rows(FIXTURE);
  const held = rows(HELD_OUT);
  // Validation: 6 seeds as they are, 3 in upper case with spaces around, 9 texts the seeds do not have.
  const byClass = (label: string) => seeds.filter((r) => r.endsWith(`,${label}`));
  const exact = ['sports', 'cooking', 'weather'].flatMap((l) => byClass(l).slice(0, 2));
  const variants = ['sports', 'cooking', 'weather'].map((l) => byClass(l)[5]).map((r) => {
    const i = r.lastIndexOf(',');
    return `"  ${r.slice(0, i).toUpperCase()} ",${r.slice(i + 1)}`;
  });
  const valCsv = ['text,label', ...exact, ...variants, ...held.slice(0, 9)].join('\n') + '\n';
  // Test: 2 seeds and the other held-out texts.
  const testCsv = ['text,label', byClass('sports')[7], byClass('weather')[7], ...held.slice(9)].join('\n') + '\n';

  const sets = page.getByTestId('eval-sets');
  await expect(sets.getByTestId('val-set')).toContainText('held out automatically');
  await page.getByLabel('Validation file (optional)').setInputFiles({ name: 'val.csv', mimeType: 'text/csv', buffer: Buffer.from(valCsv) });
  await sets.getByRole('button', { name: 'Use these 18 texts for validation' }).click();
  await expect(sets.getByTestId('val-set')).toContainText('18 texts from val.csv');
  await page.getByLabel('Test file (optional)').setInputFiles({ name: 'test.csv', mimeType: 'text/csv', buffer: Buffer.from(testCsv) });
  await sets.getByRole('button', { name: `Use these ${2 + held.length - 9} texts for test` }).click();
  await expect(sets.getByTestId('test-set')).toContainText(`${2 + held.length - 9} texts from test.csv`);
  // Told before anything trains.
  const told = sets.getByTestId('sets-overlap');
  await expect(told).toHaveAttribute('data-val', '9');
  await expect(told).toHaveAttribute('data-test', '2');
  await expect(told).toContainText('11 of your labeled examples have the same text as a validation text (9) or a test text (2)');
  await page.screenshot({ path: SHOTS + 'splits-data.png', fullPage: true });

  await page.getByRole('button', { name: /Train$/ }).click();
  await page.getByTestId('train-backend').selectOption('cpu');
  await page.getByTestId('train-epochs').fill('8');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-result')).toBeVisible({ timeout: 170_000 });
  const result = page.getByTestId('train-result');
  const overlap = result.getByTestId('train-overlap');
  await expect(overlap).toHaveAttribute('data-val', '9');
  await expect(overlap).toHaveAttribute('data-test', '2');
  await expect(overlap).toContainText('11 training examples left out of training');
  await expect(result).toContainText('49 training, 18 validation');
  // Every score with its count and interval.
  await expect(result.getByTestId('val-accuracy')).toContainText(/\d+\.\d% \(95% interval \d+\.\d–\d+\.\d%, 18 texts\)/);
  await expect(result.getByTestId('test-accuracy')).toContainText(`${2 + held.length - 9} texts)`);
  await page.screenshot({ path: SHOTS + 'splits-train.png', fullPage: true });
  const shownAccuracy = parseFloat((await result.getByTestId('val-accuracy').textContent())!) / 100;

  await page.getByRole('button', { name: 'Next: Evaluate' }).click();
  await expect(page.getByTestId('ev-accuracy')).toContainText(`${2 + held.length - 9} texts`);
  await expect(page.getByTestId('ev-set')).toContainText('Test: Decided nothing');
  await page.getByLabel('Set', { exact: true }).selectOption('val');
  await expect(page.getByTestId('ev-accuracy')).toContainText('18 texts');
  await expect(page.getByTestId('ev-set')).toContainText('Validation: Chose the kept epoch');
  await page.screenshot({ path: SHOTS + 'splits-evaluate.png', fullPage: true });

  await page.getByRole('button', { name: /Export$/ }).click();
  await expect(page.getByTestId('export-choice')).toContainText(/Train step model .* validation accuracy \d+\.\d% \(95% interval [\d.]+–[\d.]+%, 18 texts\)/);
  const [zip] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByRole('button', { name: 'Download bundle' }).click()]);
  const files = unzipSync(new Uint8Array(readFileSync(await zip.path())));
  const text = (name: string) => Buffer.from(files[name]).toString('utf8');
  const metrics = JSON.parse(text('metrics.json'));
  expect(metrics.overlap).toEqual({ val: 9, test: 2 });
  expect(metrics.val.n).toBe(18);
  expect(metrics.val.accuracy).toBeCloseTo(shownAccuracy, 3);
  expect(text('README.md')).toContain('11 training examples whose text is also in the validation set (9) or the test set (2) were left out of training');
  expect(text('README.md')).toContain('### Validation (18 texts)');
  // The bundle's data holds no test text, and no seed is in it twice.
  expect(text('data/train.jsonl').split('\n').filter(Boolean).map((l) => JSON.parse(l).split).sort()).not.toContain('test');
});
