/**
 * The Synthesize step with the Accurate student: a synthesis run whose rounds fine-tune the
 * pretrained transformer in the worker (the app's MiniLM files answered with the tiny BERT
 * fixture's, tests/e2e/tiny-bert-seam.ts, so a round takes seconds), with the simulated teacher.
 * Before the start the transformer is loaded and one step is measured; during the run the page
 * shows the fine-tuning's steps; after it the stored student is the transformer (one record: the
 * kept round's), Export offers and bundles it as such, and a reload still shows Accurate.
 * A screenshot of the step with Accurate chosen goes to tests/e2e/screenshots/synth-accurate.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import { startTeacherSim, type TeacherSim } from '../../src/core/teacher/sim/server';
import { freshApp } from './data-step';
import { connect } from './teacher-step';
import { storedKeys, storedRows } from './stored';
import { newTopicsProject, synthSettings, TOPIC_POOL } from './topics-project';
import { answerMiniLmWithTinyBert } from './tiny-bert-seam.js';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

let sim: TeacherSim | undefined;
test.afterEach(async () => { await sim?.close(); sim = undefined; });
test.use({ viewport: { width: 1366, height: 900 } });

/** The open project's stored models: id and student kind, straight from IndexedDB. */
async function storedModels(page: Page): Promise<{ id: string; kind: string; bytes: number }[]> {
  // The weights come out of the page as their byte length (stored.ts).
  const models = await storedRows<{ id: string; meta: { spec?: { kind?: string } }; weights: number }>(page, 'models', { openProject: true });
  return models.map((m) => ({ id: m.id, kind: m.meta.spec?.kind ?? '', bytes: m.weights }));
}

/** The run's training checkpoints in IndexedDB (`<run>:train:<training>`). */
async function trainingCheckpoints(page: Page): Promise<string[]> {
  return (await storedKeys(page, 'checkpoints')).filter((k) => k.includes(':synth:') && k.includes(':train:'));
}

/** Data, Teacher, then the Synthesize step's settings with Accurate chosen on wasm, loaded and its time measured. */
async function accurateRun(page: Page, budget: number, rounds: number): Promise<void> {
  await freshApp(page);
  await newTopicsProject(page);
  await connect(page, sim!.url);
  await synthSettings(page, budget, rounds);
  await page.getByTestId('synth-student-transformer').check();
  await page.getByTestId('synth-transformer-load').click();
  await expect(page.getByTestId('synth-transformer')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.getByTestId('synth-backend').selectOption('wasm');
  await page.getByTestId('synth-measure').click();
  await expect(page.getByTestId('synth-estimate')).toBeVisible({ timeout: 120_000 });
}

test('a synthesis run with the Accurate student: the time measured first, step progress, the transformer kept and exported, Accurate after a reload', async ({ page, context }) => {
  test.setTimeout(540_000);
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  await answerMiniLmWithTinyBert(context);
  sim = await startTeacherSim({ pool: TOPIC_POOL, seed: 7, latencyMs: 50 });
  await freshApp(page);
  await newTopicsProject(page);
  await connect(page, sim.url);

  await synthSettings(page, 20, 1);
  // Fast is the default; Accurate needs the transformer before it can start.
  await expect(page.getByTestId('synth-student-word')).toBeChecked();
  await page.getByTestId('synth-student-transformer').check();
  await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeDisabled();
  await expect(page.getByText('The Accurate student needs the transformer')).toBeVisible();
  await page.getByTestId('synth-transformer-load').click();
  await expect(page.getByTestId('synth-transformer')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  // wasm: the tiny BERT trains far faster there than on SwiftShader's emulated WebGPU (finetune.spec covers webgpu).
  await expect(page.getByTestId('synth-backend').locator('option[value="wasm"]')).toHaveCount(1);
  await page.getByTestId('synth-backend').selectOption('wasm');

  // The time is measured before the run starts: one round's training and the whole run's.
  await page.getByTestId('synth-measure').click();
  const estimate = page.getByTestId('synth-estimate');
  await expect(estimate).toContainText(/One round's training: about \d+ (s|min) at most, for 4 epochs\s+of up to \d+ texts on WebAssembly/, { timeout: 120_000 });
  await expect(estimate).toContainText(/trains the transformer 3 times .*: about \d+ (s|min) in all/);
  // A change of settings asks for a new measurement; back to the measured settings, Start starts.
  await page.getByLabel('Budget (examples to add)').fill('30');
  await expect(page.getByTestId('synth-measure')).toBeVisible();
  await page.getByLabel('Budget (examples to add)').fill('20');
  await expect(estimate).toBeVisible();
  // Not the page's doing: a full-page screenshot taken while an input has focus leaves Chromium's
  // scroll offset out of step, so the next click's mousedown scrolls the page by ~100 px and the
  // mouseup (and so the click) lands beside Start. Blurred first, the click is a user's click.
  await page.getByLabel('Budget (examples to add)').blur();
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}synth-accurate.png`, fullPage: true });

  await page.getByRole('button', { name: 'Start', exact: true }).click();
  const run = page.getByRole('region', { name: /Run/ });
  const badge = run.locator('.badge');
  await expect(badge).not.toHaveText('Not started');
  // The rounds' fine-tuning shows its steps, speed and time left in the run's progress line.
  await expect(run.getByTestId('synth-step-speed')).toContainText(/Fine-tuning: [\d.]+ steps\/s · [\d.]+ examples\/s · about \d+ (s|min) left/, { timeout: 120_000 });
  await expect(run.getByTestId('run-line')).toContainText(/Training (a first model|the transformer).*step \d+ of at most \d+ \(epoch \d\)/);
  await expect(badge).toHaveText(/Finished|Stopped|Paused|Cancelled/, { timeout: 400_000 });
  const alert = run.getByRole('alert');
  expect(await badge.textContent(), (await alert.count()) ? await alert.first().textContent() ?? '' : '').toBe('Finished');

  // The store keeps one student of the run, the kept round's, and it is the transformer.
  const models = await storedModels(page);
  console.log(`stored after the run: ${JSON.stringify(models)}`);
  expect(models).toHaveLength(1);
  expect(models[0]!.kind).toBe('transformer');

  // Export offers it as what it is, and its bundle is the transformer's.
  await page.getByRole('button', { name: /Export$/ }).click();
  await expect(page.getByTestId('export-choice')).toContainText(/Synthesis run, round \d \(the round the run kept\): Accurate \(pretrained transformer\)/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download bundle' }).click()]);
  const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  expect((JSON.parse(strFromU8(files['inference.json'])) as { input: { kind: string } }).input.kind).toBe('transformer');

  // After a reload the run and its setting are still Accurate.
  await page.reload();
  await page.getByRole('button', { name: /3\. Synthesize/ }).click();
  await expect(page.getByRole('region', { name: /Run/ }).locator('.badge')).toHaveText('Finished');
  await expect(page.getByTestId('synth-student-transformer')).toBeChecked();
  await expect(page.getByTestId('synth-student-word')).not.toBeChecked();
});

test('a reload in the middle of a round\'s fine-tuning continues it from its last epoch, and Cancel stops a fine-tuning round', async ({ page, context }) => {
  test.setTimeout(540_000);
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  await answerMiniLmWithTinyBert(context);
  // Every text the progress line shows, across the reload (the page's own record would go with it).
  // The reload itself happens here too, the moment the line first matches `reloadWhen`: round 0
  // trains SetFit's way (its few texts), so after the pairs stage (epoch 0) the classifier's
  // epochs over cached vectors take milliseconds each, faster than a test could poll for one.
  await context.addInitScript(() => {
    if (location.protocol !== 'http:') return; // about:blank has no storage
    const w = window as unknown as { runLines: string[] };
    w.runLines = [...JSON.parse(sessionStorage.getItem('runLines') ?? '[]') as string[], '(page loaded)'];
    new MutationObserver(() => {
      const t = document.querySelector('[data-testid="run-line"]')?.textContent?.trim();
      if (t && t !== w.runLines.at(-1)) { w.runLines.push(t); sessionStorage.setItem('runLines', JSON.stringify(w.runLines)); }
      const when = sessionStorage.getItem('reloadWhen');
      if (t && when && new RegExp(when).test(t)) { sessionStorage.removeItem('reloadWhen'); location.reload(); }
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  sim = await startTeacherSim({ pool: TOPIC_POOL, seed: 7, latencyMs: 50 });
  await accurateRun(page, 20, 1);
  const loads = () => page.evaluate(() => (window as unknown as { runLines: string[] }).runLines.filter((l) => l === '(page loaded)').length).catch(() => -1);
  const loadsBefore = await loads();
  // Round 0's classifier in its second epoch (epoch 1 is its first; 0 the pairs stage): the
  // checkpoint after epoch 1 is stored. The page reloads there.
  await page.evaluate(() => sessionStorage.setItem('reloadWhen', String.raw`round 0: step \d+ of at most \d+ \(epoch [2-9]\)`));
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  const run = page.getByRole('region', { name: /Run/ });
  await expect.poll(loads, { timeout: 240_000 }).toBe(loadsBefore + 1);
  await expect(run.locator('.badge')).toHaveText('Running');
  await expect(run.getByTestId('synth-step-speed')).toBeVisible({ timeout: 120_000 });
  // Resumed: round 0's training went on from a later epoch, never from its first step again.
  const lines = await page.evaluate(() => (window as unknown as { runLines: string[] }).runLines);
  const reloadAt = lines.lastIndexOf('(page loaded)');
  const before = lines.slice(0, reloadAt).filter((l) => /round 0: step/.test(l));
  const after = lines.slice(reloadAt).filter((l) => /round 0: step/.test(l));
  console.log(`round 0's training: last before the reload "${before.at(-1)}"; first after it "${after[0]}"`);
  expect(after.length).toBeGreaterThan(0);
  // Neither the pairs stage (epoch 0) nor the classifier's first epoch again: from epoch 2 on.
  for (const l of after) expect(l).toMatch(/\(epoch ([2-9]|\d{2,})\)/);

  // Cancel during a round's fine-tuning stops it for good, and its checkpoint goes with it.
  await expect(run.getByTestId('synth-step-speed')).toBeVisible({ timeout: 120_000 });
  await run.getByRole('button', { name: 'Cancel' }).click();
  await expect(run.locator('.badge')).toHaveText('Cancelled', { timeout: 60_000 });
  await expect.poll(() => trainingCheckpoints(page)).toEqual([]);
});

test('when the transformer cannot be loaded after a reload, the run stops with what to do, and resumes once it is loaded, nothing lost', async ({ page, context }) => {
  test.setTimeout(540_000);
  await answerMiniLmWithTinyBert(context);
  sim = await startTeacherSim({ pool: TOPIC_POOL, seed: 7, latencyMs: 50 });
  await accurateRun(page, 20, 1);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  const run = page.getByRole('region', { name: /Run/ });
  // In round 0's training: the teacher's first examples are in.
  await expect(run.getByTestId('run-line')).toContainText(/round 0: step/, { timeout: 120_000 });
  // The model's files cannot be had: not from the app, not from the hub.
  await context.unrouteAll();
  await context.route('**/models/all-MiniLM-L6-v2/**', (route) => route.fulfill({ status: 404 }));
  await context.route('https://huggingface.co/**', (route) => route.abort('internetdisconnected'));
  await page.reload();
  await expect(run.locator('.badge')).toHaveText('Stopped by an error', { timeout: 120_000 });
  await expect(run.getByRole('alert')).toContainText(/load it under Settings \(Load the transformer\) and press Resume, or choose Fast and press Start over\. Everything the run made so far is kept\./);
  const accepted = Number(await run.locator('dt:text("Accepted") + dd').textContent());
  expect(accepted).toBeGreaterThan(0);

  // The files are back: load it, resume, and the run finishes with what it had.
  await context.unrouteAll();
  await answerMiniLmWithTinyBert(context);
  await page.getByTestId('synth-transformer-load').click();
  await expect(page.getByTestId('synth-transformer')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await run.getByRole('button', { name: 'Resume' }).click();
  await expect(run.locator('.badge')).toHaveText(/Finished|Stopped|Paused|Cancelled/, { timeout: 400_000 });
  expect(await run.locator('.badge').textContent()).toBe('Finished');
  expect(Number(await run.locator('dt:text("Accepted") + dd').textContent())).toBeGreaterThanOrEqual(accepted);
});
