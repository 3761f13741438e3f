import { test, expect } from '@playwright/test';
import { freshApp, newProject, uploadSeeds } from './data-step';
import { readFileSync, mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/seeds-multiline.csv', import.meta.url));
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

test.beforeEach(async ({ page }) => {
  // Each test starts from an empty IndexedDB and flow state.
  await freshApp(page);
});

test('a CSV with quoted multi-line fields, a BOM and CRLF is parsed, saved, and still there after a reload', async ({ page }) => {
  await uploadSeeds(page, 'seeds-multiline.csv', readFileSync(FIXTURE));
  const report = page.getByTestId('seeds-report');
  await expect(report.getByTestId('seeds-accepted')).toContainText('12 accepted');
  await expect(report.getByTestId('seeds-rejected')).toContainText('0 rejected');
  await expect(report.getByTestId('seeds-text-col')).toHaveValue('text');
  await expect(report.getByTestId('seeds-label-col')).toHaveValue('label');
  const classes = report.getByRole('table', { name: /Classes/ });
  await expect(classes.getByRole('row', { name: /positive 5/ })).toBeVisible();
  await expect(classes.getByRole('row', { name: /negative 5/ })).toBeVisible();
  await expect(classes.getByRole('row', { name: /neutral 2/ })).toBeVisible();
  // The multi-line field is one cell, its line break kept.
  const preview = report.getByRole('table', { name: /Preview/ });
  await expect(preview.getByRole('cell', { name: 'I walked out after twenty minutes. Never again.' })).toBeVisible();

  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: SHOTS + 'data-step-report.png', fullPage: true });

  await page.getByLabel('Project name').fill('Movie reviews');
  await page.getByRole('button', { name: 'Save project' }).click();
  await expect(page.getByTestId('open-project')).toContainText('Project “Movie reviews”');
  await expect(page.getByTestId('open-seed-count')).toHaveText('12');

  await page.reload();
  await expect(page.getByTestId('project-list')).toContainText('Movie reviews');
  // The open project comes back by itself after a reload, with its data read from IndexedDB.
  const opened = page.getByTestId('open-project');
  await expect(opened.getByTestId('open-seed-count')).toHaveText('12');
  await expect(opened.getByRole('cell', { name: 'She said "best film of the year" and she was right.' })).toBeVisible();
  await expect(opened.getByRole('table', { name: 'Classes' }).getByRole('row', { name: /neutral 2/ })).toBeVisible();
  await page.screenshot({ path: SHOTS + 'data-step-reopened.png', fullPage: true });
});

test('changing the chosen columns re-parses the file', async ({ page }) => {
  await uploadSeeds(page, 'cols.csv', Buffer.from('id,title,body,topic\n1,Short one,"A long body text, here",a\n2,Other one,"Another long body text",b\n3,Third,"Yet another body",a\n'));
  const report = page.getByTestId('seeds-report');
  await expect(report.getByTestId('seeds-text-col')).toHaveValue('body');
  await report.getByTestId('seeds-text-col').selectOption('title');
  await expect(report.getByRole('table', { name: /Preview/ }).getByRole('columnheader', { name: 'title (text)' })).toBeVisible();
  await expect(report.getByTestId('seeds-text-col')).toHaveValue('title');
});

test('bad files each get one clear message, and a saved project is untouched', async ({ page }) => {
  await newProject(page, 'Keep me', readFileSync(FIXTURE), 12, 'seeds-multiline.csv');
  const error = page.getByRole('alert');

  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]);
  await uploadSeeds(page, 'photo.csv', png);
  await expect(error).toContainText('photo.csv is a PNG image, not a text file.');
  await expect(error).toContainText('Upload a CSV, TSV, JSONL or JSON file');
  await expect(page.getByTestId('seeds-report')).toHaveCount(0);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: SHOTS + 'data-step-bad-file.png', fullPage: true });

  await uploadSeeds(page, 'empty.csv', Buffer.alloc(0));
  await expect(error).toContainText('empty.csv is empty (0 bytes).');

  await uploadSeeds(page, 'one-column.csv', Buffer.from('text\nfirst review\nsecond review\n'));
  await expect(error).toContainText('only one column');
  await expect(error).toContainText('unlabeled texts');

  // Playwright passes buffers over 50 MB only as files: the 60 MB CSV is written to a temp folder.
  const dir = mkdtempSync(join(tmpdir(), 'distillery-e2e-'));
  try {
    const row = 'a review that is long enough to take some room on disk,pos\n';
    writeFileSync(join(dir, 'big.csv'), 'text,label\n' + row.repeat(Math.ceil((60 << 20) / row.length)));
    await page.getByLabel('Labeled examples (seeds)').setInputFiles(join(dir, 'big.csv'));
    await expect(error).toContainText('big.csv is 60.0 MB, over the 50.0 MB limit.');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  await uploadSeeds(page, 'one-class.csv', Buffer.from('text,label\ngreat film,pos\nloved it,pos\n'));
  await expect(page.getByTestId('seeds-warnings')).toContainText("Only one class ('pos')");
  await expect(error).toHaveCount(0);

  // The project saved before the bad uploads is intact, also after a reload.
  await page.reload();
  await expect(page.getByTestId('project-list')).toContainText('Keep me');
  await expect(page.getByTestId('open-seed-count')).toHaveText('12');
});

test('labels named constructor, toString and __proto__ are counted like any other, before and after saving', async ({ page }) => {
  const names = ['constructor', 'toString', '__proto__'];
  const csv = 'text,label\n' + names.flatMap((l, i) => [`first text for ${i},${l}`, `second text for ${i},${l}`]).join('\n') + '\nthird text for 0,constructor\n';
  await uploadSeeds(page, 'proto.csv', Buffer.from(csv));
  const report = page.getByTestId('seeds-report');
  await expect(report.getByTestId('seeds-accepted')).toContainText('7 accepted');
  const classes = report.getByRole('table', { name: /Classes/ });
  await expect(classes.getByRole('row')).toHaveCount(4);
  await expect(classes.getByRole('row', { name: /constructor 3 42\.9%/ })).toBeVisible();
  await expect(classes.getByRole('row', { name: /toString 2 28\.6%/ })).toBeVisible();
  await expect(classes.getByRole('row', { name: /__proto__ 2 28\.6%/ })).toBeVisible();
  await expect(report).not.toContainText('native code');
  await page.getByLabel('Project name').fill('Proto labels');
  await page.getByRole('button', { name: 'Save project' }).click();
  const opened = page.getByTestId('open-project');
  await expect(opened).toContainText('in 3 classes');
  const saved = opened.getByRole('table', { name: 'Classes' });
  await expect(saved.getByRole('row', { name: /__proto__ 2/ })).toBeVisible();
  await expect(saved.getByRole('row', { name: /constructor 3/ })).toBeVisible();
});
