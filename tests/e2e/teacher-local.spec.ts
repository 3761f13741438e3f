/**
 * The app with a REAL language model as its teacher: `distillery teacher-local` serving
 * SmolLM2-135M-Instruct on its default port, chosen through the "Local model on this computer
 * (no key)" preset. Test connection shows the model's own answer; the Synthesize step makes 10
 * examples with it, and they reach the project. Small on purpose (a 2048-token context, parallel 2): CI runs it on 2 cores.
 * Without the model (`npm run models -- --teacher`): fails in CI, skips elsewhere, saying why.
 * Needs `npx vite build` first (playwright.config.ts serves dist/).
 */
import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TEACHER } from '../../src/core/models/catalog';
import { isInstalled } from '../../src/core/models/fetch-node';
import { TEACHER_LOCAL } from '../../src/core/teacher/presets';
import { freshApp } from './data-step';
import { storedRows } from './stored';
import { newTopicsProject, synthSettings } from './topics-project';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MISSING = `${DEFAULT_TEACHER.id} is not installed: run \`npm run models -- --teacher\` (CI's .ci/run installs it with --all).`;

let server: ChildProcess | undefined;
test.afterAll(async () => {
  if (!server || server.exitCode !== null) return;
  const closed = new Promise((r) => server!.once('close', r));
  server.kill('SIGTERM');
  await closed;
});

test('the Synthesize step makes 10 examples with the local model (teacher-local)', async ({ page }) => {
  test.setTimeout(420_000);
  const installed = await isInstalled(DEFAULT_TEACHER, ROOT);
  if (process.env.CI) expect(installed, MISSING).toBe(true);
  test.skip(!installed, MISSING);

  server = spawn(process.execPath, ['bin/distillery.js', 'teacher-local', '--parallel', '2', '--ctx', '2048', '--max-tokens', '320'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  server.stderr!.on('data', (d) => { log += d; });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d) => { out += d; if (out.includes('listening on')) resolve(); });
    server!.once('close', (code) => reject(new Error(`teacher-local exited (${code}): ${log}`)));
  });
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));

  await freshApp(page);
  await newTopicsProject(page);
  await page.getByRole('button', { name: 'Next: connect a teacher →' }).click();
  await page.getByLabel('Server type').selectOption({ label: 'Local model on this computer (no key)' });
  await expect(page.getByLabel('Server address (base URL)')).toHaveValue(`http://127.0.0.1:${TEACHER_LOCAL.port}/v1`);
  await expect(page.getByText('npx distillery teacher-local')).toBeVisible();
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Use this server' }).click()]);
  await expect(page.getByText(`This page may connect to http://127.0.0.1:${TEACHER_LOCAL.port}.`)).toBeVisible();
  // The preset fills the model; the server's list has it too.
  await expect(page.getByLabel('Model')).toHaveValue(DEFAULT_TEACHER.id);
  await page.getByRole('button', { name: 'Load models from server' }).click();
  await expect(page.getByLabel('Model')).toHaveValue(DEFAULT_TEACHER.id);

  // Test connection shows what the model itself wrote.
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByText(`${DEFAULT_TEACHER.id} answered in`)).toBeVisible({ timeout: 120_000 });
  const answer = (await page.locator('.sample blockquote').textContent())?.trim() ?? '';
  expect(answer.length).toBeGreaterThan(0);

  await synthSettings(page, 10, 0);
  await page.getByRole('button', { name: 'Start' }).click();
  const run = page.getByRole('region', { name: /Run/ });
  const badge = run.locator('.badge');
  await expect(badge).toHaveText(/Finished|Stopped|Paused|Cancelled/, { timeout: 360_000 });
  const alert = run.getByRole('alert');
  expect(await badge.textContent(), (await alert.count()) ? await alert.first().textContent() ?? '' : log).toBe('Finished');

  // The run's examples, made by the local model, are in the project: each text once (a text two of
  // the run's jobs both wrote goes in once), and the page's "added" is the number of rows added.
  const made = (await storedRows<{ example: { text: string; provenance: { source: string; teacherModel?: string } } }>(page, 'examples', { openProject: true }))
    .filter((r) => r.example.provenance.source !== 'seed').map((r) => r.example);
  expect(made.length).toBeGreaterThan(0);
  expect(made.length).toBeLessThanOrEqual(10);
  for (const e of made) expect(e.provenance.teacherModel).toBe(DEFAULT_TEACHER.id);
  const key = (t: string) => t.trim().toLowerCase();
  expect(new Set(made.map((e) => key(e.text))).size).toBe(made.length);
  await expect(run.getByText(`Finished: ${made.length} examples added to your project`)).toBeVisible();
  // The counters say the same: Accepted is the rows added (a text settling dropped is counted as
  // rejected, "already in your project"), and what was asked of the model adds up.
  await expect(run.locator('dt:text("Accepted") + dd')).toHaveText(String(made.length));
  const [asked, accepted, rejected, missing] = (await run.getByTestId('asked-sum').textContent())!.match(/(\d+) = (\d+) accepted \+ (\d+) rejected \+ (\d+) missing/)!.slice(1).map(Number);
  expect(asked).toBe(accepted + rejected + missing);
  // Every item of the budget the model delivered is a row or counted as dropped when settling; a
  // real model can leave items out even after the run asked again (CI saw 9 of 10 once), and then
  // the page must say so among the missing.
  const dropped = await run.getByRole('row', { name: /already in your project/ }).count() ? Number(await run.getByRole('row', { name: /already in your project/ }).locator('td').textContent()) : 0;
  expect(accepted + dropped).toBeLessThanOrEqual(10);
  if (accepted + dropped < 10) expect(missing).toBeGreaterThan(0);
});
