import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAKE = fileURLToPath(new URL('./export-bundle-fixture.ts', import.meta.url));
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
let bundle: Buffer;

test.beforeAll(() => {
  const out = join(mkdtempSync(join(tmpdir(), 'distillery-e2e-')), 'fixture.distillery.zip');
  execFileSync(process.execPath, ['--import', 'tsx', MAKE, out], { stdio: 'pipe' });
  bundle = readFileSync(out);
});

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => localStorage.setItem('distillery.flow', JSON.stringify({ projectId: null, step: 'export' })));
  await page.reload();
});

test('an opened bundle gives live predictions with scores as the user types', async ({ page }) => {
  await page.getByLabel(/A Distillery \.zip/).setInputFiles({ name: 'fixture.distillery.zip', mimeType: 'application/zip', buffer: bundle });
  const opened = page.getByTestId('opened-bundle');
  await expect(opened).toContainText('2 labels (neg, pos)');
  const box = page.getByLabel('Try it: type a text');
  await box.fill('a wonderful film, i loved it');
  await expect(page.getByTestId('try-label')).toHaveText('pos');
  await expect(page.getByRole('meter', { name: 'pos probability' })).toBeVisible();
  await box.fill('boring and awful, a waste of time');
  await expect(page.getByTestId('try-label')).toHaveText('neg');
  await opened.getByText('Model card').click();
  await expect(opened).toContainText('Intended use and limits');
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: SHOTS + 'export-try-it.png', fullPage: true });
});

test('a damaged bundle is refused with the reason', async ({ page }) => {
  await page.getByLabel(/A Distillery \.zip/).setInputFiles({ name: 'cut.zip', mimeType: 'application/zip', buffer: bundle.subarray(0, bundle.length - 40) });
  await expect(page.getByTestId('export-error')).toContainText('truncated zip');
  await expect(page.getByTestId('opened-bundle')).toHaveCount(0);
});
