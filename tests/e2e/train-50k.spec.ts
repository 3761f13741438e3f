import { test, expect } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generate, toCsv } from '../fixtures/train-generator';

/**
 * 50,000 generated training texts (GloVe path) through the whole app: uploaded on the Data step,
 * stored in IndexedDB, trained in the worker with the automatic backend choice. The tab must
 * survive, training must come from batches (tensor memory far below the ~400 MB that 50,000
 * embedded texts would take at once) and the run must free everything but the student.
 * bench/train-50k.ts prints the same run's timings and memory.
 */
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
if (process.env.DISTILLERY_URL) test.use({ baseURL: process.env.DISTILLERY_URL });
test.setTimeout(400_000);

test('50,000 examples train in the tab without it dying; tensor memory stays bounded and nothing leaks', async ({ page }) => {
  let crashed = false;
  page.on('crash', () => { crashed = true; });
  await page.goto('/');
  await page.evaluate(async () => {
    localStorage.clear();
    await new Promise<void>((res, rej) => { const r = indexedDB.deleteDatabase('distillery'); r.onsuccess = () => res(); r.onerror = () => rej(r.error); r.onblocked = () => res(); });
  });
  await page.reload();

  // 62,500 rows: the Train step holds 20% of each class out for validation, leaving 50,000 to train on.
  await page.getByLabel('Labeled examples (seeds)').setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.from(toCsv(generate(62_500, 11))) });
  await expect(page.getByTestId('seeds-report').getByTestId('seeds-accepted')).toContainText('62500 accepted', { timeout: 120_000 });
  await page.getByLabel('Project name').fill('Fifty thousand');
  await page.getByRole('button', { name: 'Save project' }).click();
  await expect(page.getByTestId('open-project')).toContainText('Fifty thousand', { timeout: 120_000 });

  await page.getByRole('button', { name: /Train$/ }).click();
  await page.getByTestId('train-epochs').fill('2');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-result')).toBeVisible({ timeout: 300_000 });
  expect(crashed).toBe(false);

  const result = page.getByTestId('train-result');
  await expect(result).toContainText('50000 training');
  await result.getByText('Under the hood').click();
  const mem = result.getByTestId('train-memory');
  const peak = Number(await mem.getAttribute('data-peak-bytes'));
  console.log(`50k: backend ${await page.getByTestId('backend-ran').textContent()}, ${await page.getByTestId('train-speed').textContent()}, peak tensor bytes ${peak}, val macro-F1 ${await page.getByTestId('val-macro-f1').textContent()}`);
  await page.screenshot({ path: (mkdirSync(SHOTS, { recursive: true }), SHOTS + 'train-50k.png'), fullPage: true });

  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThan(128 * 2 ** 20);
  expect(Number(await mem.getAttribute('data-leaked'))).toBe(0);
  // Far better than chance (1/4) on the 12,500 held out.
  expect(parseFloat((await page.getByTestId('val-macro-f1').textContent())!)).toBeGreaterThan(60);
});
