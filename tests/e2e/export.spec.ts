import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync, zipSync } from 'fflate';
import { createHash } from 'node:crypto';

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

test('a crafted bundle whose labels.json is an object (hashes rewritten to match) gets a clear message, not a blank panel', async ({ page }) => {
  const uncaught: string[] = [];
  page.on('pageerror', (e) => uncaught.push(e.message));
  const files = unzipSync(new Uint8Array(bundle));
  files['labels.json'] = new TextEncoder().encode('{"neg": 0, "pos": 1}');
  const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json']));
  manifest.files['labels.json'] = { sha256: createHash('sha256').update(files['labels.json']).digest('hex'), bytes: files['labels.json'].length };
  files['manifest.json'] = new TextEncoder().encode(JSON.stringify(manifest));
  await page.getByLabel(/A Distillery \.zip/).setInputFiles({ name: 'crafted.zip', mimeType: 'application/zip', buffer: Buffer.from(zipSync(files)) });
  await expect(page.getByTestId('export-error')).toHaveText("The bundle's labels.json is an object, not a list of labels. Export the bundle again from Distillery.");
  await expect(page.getByTestId('opened-bundle')).toHaveCount(0);
  // The step still works: a good bundle opens after the bad one.
  await page.getByLabel(/A Distillery \.zip/).setInputFiles({ name: 'fixture.distillery.zip', mimeType: 'application/zip', buffer: bundle });
  await expect(page.getByTestId('opened-bundle')).toContainText('2 labels (neg, pos)');
  expect(uncaught).toEqual([]);
});

test('continue training from a bundle, then download it again and its data', async ({ page }) => {
  await page.getByLabel(/A Distillery \.zip/).setInputFiles({ name: 'fixture.distillery.zip', mimeType: 'application/zip', buffer: bundle });
  await expect(page.getByTestId('opened-bundle')).toBeVisible();
  await page.getByRole('button', { name: 'Continue training from this bundle' }).click();
  await expect(page.getByRole('button', { name: '5. Train' })).toHaveAttribute('aria-current', 'step');
  await page.getByRole('button', { name: '7. Export' }).click();

  const [zip] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download bundle' }).click()]);
  const files = unzipSync(new Uint8Array(readFileSync(await zip.path())));
  const original = unzipSync(new Uint8Array(bundle));
  expect(Object.keys(files).sort()).toEqual(Object.keys(original).sort());
  expect(Buffer.from(files['weights.bin']).equals(Buffer.from(original['weights.bin']))).toBe(true);
  // The re-exported student opens and predicts in the page too.
  await expect(page.getByTestId('opened-bundle')).toBeVisible();

  const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'JSONL' }).click()]);
  expect(jsonl.suggestedFilename()).toBe('synthetic.jsonl');
  const lines = readFileSync(await jsonl.path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(lines).toHaveLength(8);
  expect(lines.every((l) => l.provenance.source !== 'seed')).toBe(true);
});
