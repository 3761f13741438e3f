/**
 * The whole guided flow in Chromium, as a new user would go through it, with the simulated teacher
 * (`teacher-sim`) as the teacher: upload a CSV with 8 examples per class → connect the teacher
 * (the CSP admits its origin after one reload) → synthesize a small budget → review → train on
 * WebGPU → see the metrics → export and check the downloaded zip. A screenshot of every step goes
 * to tests/e2e/screenshots/flow-*.png. Also: a reload in the middle of synthesis resumes the run
 * with no lost or duplicated example, a second tab on the same run does not run it twice, and a
 * teacher that fails shows what happened and recovers.
 * Needs `npx vite build` first (playwright.config.ts serves dist/).
 */
import { test, expect, type Locator, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync, strFromU8 } from 'fflate';
import { startTeacherSim, type TeacherSim } from '../../src/core/teacher/sim/server';
import type { TeacherSimServerOptions } from '../../src/core/teacher/sim/server';
import { freshApp, uploadSeeds } from './data-step';
import { connect } from './teacher-step';
import { storedRows } from './stored';
import { newTopicsProject, synthSettings, TOPIC_POOL, TOPIC_SEEDS } from './topics-project';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

let sim: TeacherSim | undefined;
test.afterEach(async () => { await sim?.close(); sim = undefined; });
test.use({ viewport: { width: 1366, height: 900 } });

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}flow-${name}.png`, fullPage: true });
}

async function freshPage(page: Page): Promise<void> {
  // The page's and the worker's errors in the test's output: a run that stops says why here.
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`[page ${m.type()}] ${m.text()}`); });
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  await freshApp(page);
}

/**
 * The run panel's error message, or '' when there is none. Never waits: a locator's textContent()
 * waits (with no time limit) for the element to appear, which after a run that went well is never.
 */
async function alertText(run: Locator): Promise<string> {
  const alert = run.getByRole('alert');
  return (await alert.count()) ? (await alert.first().textContent()) ?? '' : '';
}

async function startSim(options: Partial<TeacherSimServerOptions> = {}): Promise<TeacherSim> {
  sim = await startTeacherSim({ pool: TOPIC_POOL, seed: 7, ...options });
  return sim;
}


/** Every example of the open project, straight from IndexedDB (the test's own view of the store). */
async function storedExamples(page: Page): Promise<{ id: string; text: string; source: string }[]> {
  const rows = await storedRows<{ example: { id: string; text: string; provenance: { source: string } } }>(page, 'examples', { openProject: true });
  return rows.map(({ example: e }) => ({ id: e.id, text: e.text, source: e.provenance.source }));
}

test('from a CSV of 8 examples per class to a downloaded student, with the simulated teacher', async ({ page }) => {
  test.setTimeout(600_000);
  const teacher = await startSim({ latencyMs: 150 });
  await freshPage(page);
  await newTopicsProject(page);
  await shot(page, '1-data');

  await connect(page, teacher.url);
  // "Test connection" shows one answer of the teacher, as text.
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByText('teacher-sim answered in')).toBeVisible();
  await expect(page.locator('.sample blockquote')).not.toBeEmpty();
  await shot(page, '2-teacher');

  await synthSettings(page, 30, 0);
  const asked = teacher.core.stats.requests; // the connection test's
  await page.getByRole('button', { name: 'Start' }).click();
  const run = page.getByRole('region', { name: /Run/ });
  const badge = run.locator('.badge');
  await expect(badge).toHaveText('Running');
  // Away to another step and back while it runs: the step shows the same run, never a second one.
  await page.getByRole('button', { name: /4\. Review/ }).click();
  await expect(page.getByRole('heading', { name: 'Review', level: 2 })).toBeVisible();
  await page.getByRole('button', { name: /3\. Synthesize/ }).click();
  await expect(badge).toHaveText(/Finished|Stopped|Paused|Cancelled/, { timeout: 300_000 });
  expect(await badge.textContent(), await alertText(run)).toBe('Finished');
  const accepted = Number(await run.locator('dt:text("Accepted") + dd').textContent());
  expect(accepted).toBeGreaterThan(0);
  // Every request the teacher saw is one the run journaled: nothing was asked twice.
  expect(await journaledAttempts(page)).toBe(teacher.core.stats.requests - asked);
  await shot(page, '3-synthesize');

  // Review: the seeds and the teacher's examples are all there, each text once (editing is covered in flow-ui.spec).
  await page.getByRole('button', { name: 'Review the examples →' }).click();
  await expect(page.getByRole('heading', { name: 'Review', level: 2 })).toBeVisible();
  const stored = await storedExamples(page);
  expect(stored.filter((e) => e.source === 'seed')).toHaveLength(24);
  const made = stored.filter((e) => e.source !== 'seed');
  expect(made.length).toBeGreaterThan(0);
  expect(new Set(stored.map((e) => e.text.trim().toLowerCase())).size).toBe(stored.length);
  await expect(page.getByText(made[0].text).first()).toBeVisible();
  await shot(page, '4-review');

  // Train on WebGPU.
  await page.getByRole('button', { name: 'Next: train the model →' }).click();
  await page.getByTestId('train-backend').selectOption('webgpu');
  await page.getByTestId('train-epochs').fill('5');
  await page.getByTestId('train-start').click();
  await expect(page.getByRole('button', { name: 'Next: Evaluate' })).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('backend-ran')).toHaveText('webgpu');
  await shot(page, '5-train');

  // Evaluate: the synthesis run's round and the trained model's scores.
  await page.getByRole('button', { name: 'Next: Evaluate' }).click();
  await expect(page.getByRole('heading', { name: 'Scores per round' })).toBeVisible();
  await expect(page.getByText(/“Train step” is the model you trained on the Train step/)).toBeVisible();
  // Each score says how many texts it rests on. This run had no error-fixing round, so no
  // validation text reached the teacher: its round 0 and the Train step's model are scored on the
  // same validation texts, one line (the halves' lines are the flow-ui test's).
  await expect(page.getByTestId('ev-accuracy')).toContainText(/\d+ texts?\)/);
  await expect(page.locator('.legend')).toContainText(/^Validation \(\d+ texts\) macro-F1Validation \(\d+ texts\) accuracy$/);
  // The trained model's validation mistakes are kept with it and listed (or it made none).
  await expect(page.getByRole('heading', { name: /^Mistakes on validation \(\d+\)$/ })).toBeVisible();
  await expect(page.getByText(/mistakes were not kept/)).toHaveCount(0);
  await shot(page, '6-evaluate');

  // Export: the zip holds the student, its labels and the training data (seeds and the teacher's
  // examples), and the downloaded student classifies texts in Node, as its README says it does.
  await page.getByRole('button', { name: 'Next: export →' }).click();
  // The user chooses the model: the Train step's (the newest, chosen by default) or the run's round.
  const choices = page.getByTestId('export-choices');
  await expect(choices.getByRole('radio')).toHaveCount(2);
  await expect(choices.getByRole('radio', { name: /Train step model/ })).toBeChecked();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download bundle' }).click()]);
  const files = unzipSync(new Uint8Array(readFileSync((await download.path())!)));
  expect(Object.keys(files)).toEqual(expect.arrayContaining(['manifest.json', 'model.json', 'labels.json', 'weights.bin', 'README.md', 'example.mjs', 'data/train.csv']));
  expect(JSON.parse(strFromU8(files['labels.json']))).toEqual(['food', 'sport', 'weather']);
  const trainCsv = strFromU8(files['data/train.csv']);
  expect(trainCsv).toContain(made[0].text);
  const dir = test.info().outputPath('bundle');
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  // Unzipped under the repo, so `@tensorflow/tfjs` resolves from its node_modules.
  const texts = ['The striker scored twice in the cup final.', 'Bake the bread until the crust is golden.', 'Heavy snow is expected overnight in the hills.'];
  const out = execFileSync(process.execPath, [join(dir, 'example.mjs'), ...texts], { encoding: 'utf8', timeout: 120_000 });
  const predictions = out.trim().split('\n').map((l) => JSON.parse(l) as { text: string; label: string; scores: Record<string, number> });
  expect(predictions.map((p) => p.text)).toEqual(texts);
  // Three plain cases, one per label: a working student gets them right.
  expect(predictions.map((p) => p.label), JSON.stringify(predictions)).toEqual(['sport', 'food', 'weather']);
  // The student is also tried on the page itself.
  await page.getByLabel('Try it: type a text').fill('Thunderstorms and strong winds are forecast for tomorrow.');
  await expect(page.getByTestId('try-label')).toHaveText('weather');
  await shot(page, '7-export');
});

/** Every example of the open project with its label, split and provenance, and the requests journaled for it. */
async function projectRows(page: Page): Promise<{ rows: { id: string; text: string; label: string | null; split: string; source: string; requestId?: string; file?: string }[]; requests: { jobId: string; acceptedIds: string[]; outcomes?: Record<string, string> }[] }> {
  const examples = await storedRows<{ example: { id: string; text: string; label: string | null; split: string; provenance: { source: string; requestId?: string; file?: string } } }>(page, 'examples', { openProject: true });
  const requests = await storedRows<{ jobId: string; acceptedIds: string[]; outcomes?: Record<string, string> }>(page, 'requests', { openProject: true });
  return {
    rows: examples.map(({ example: e }) => ({ id: e.id, text: e.text, label: e.label, split: e.split, source: e.provenance.source, requestId: e.provenance.requestId, file: e.provenance.file })),
    requests: requests.map(({ jobId, acceptedIds, outcomes }) => ({ jobId, acceptedIds, outcomes })),
  };
}

test('seeds and unlabeled texts, annotation in the mix: every accepted annotation ends as a labeled row, and the page\'s counts are the rows (issue 19)', async ({ page }) => {
  test.setTimeout(400_000);
  const teacher = await startSim({ latencyMs: 100 });
  await freshPage(page);
  // 24 seeds, and 22 unlabeled texts: 20 the teacher knows (from its pool, none a seed) and 2 that are seeds.
  const seedTexts = TOPIC_SEEDS.toString('utf8').split('\n').slice(1).filter(Boolean).map((l) => l.slice(0, l.lastIndexOf(',')));
  const pooled = TOPIC_POOL.filter((p) => !seedTexts.includes(p.text));
  const unlabeled = [...['sport', 'weather', 'food'].flatMap((l) => pooled.filter((p) => p.label === l).slice(0, l === 'food' ? 6 : 7)).map((p) => p.text), seedTexts[0], seedTexts[9]];
  const labelOf = new Map(TOPIC_POOL.map((p) => [p.text, p.label]));
  await page.getByLabel('Unlabeled texts (optional)').setInputFiles({ name: 'unlabeled.txt', mimeType: 'text/plain', buffer: Buffer.from(unlabeled.join('\n') + '\n') });
  await expect(page.getByTestId('pool-report').getByTestId('pool-accepted')).toContainText('22 accepted');
  await uploadSeeds(page, 'topics.csv', TOPIC_SEEDS);
  // The two that are seeds are said to stay seeds, before and after saving (was: dropped silently).
  await expect(page.getByTestId('pool-also-labeled')).toContainText('2 of these 22 texts are also among your labeled examples');
  await page.getByLabel('Project name').fill('Topics with unlabeled texts');
  await page.getByRole('button', { name: 'Save project' }).click();
  await expect(page.getByTestId('open-project')).toContainText('24 labeled examples in 3 classes, 20 unlabeled texts.');
  await expect(page.getByTestId('open-also-labeled')).toContainText('2 more texts of the unlabeled file are labeled examples too');
  await shot(page, '12-data-unlabeled');

  await connect(page, teacher.url);
  await synthSettings(page, 30, 0);
  // With unlabeled texts, annotation is part of the default mix.
  await expect(page.getByLabel('Label your unlabeled texts')).not.toHaveValue('0');
  await page.getByRole('button', { name: 'Start' }).click();
  const run = page.getByRole('region', { name: /Run/ });
  const badge = run.locator('.badge');
  await expect(badge).toHaveText(/Finished|Stopped|Paused|Cancelled/, { timeout: 300_000 });
  expect(await badge.textContent(), await alertText(run)).toBe('Finished');
  await shot(page, '13-synthesize-unlabeled');

  const { rows, requests } = await projectRows(page);
  const runId = await savedRunId(page);
  const fromRun = rows.filter((r) => r.requestId?.startsWith(`${runId}:`));
  // The user's rows the run labeled keep their own ids (and file); the rest are the teacher's own rows.
  const labeledRows = fromRun.filter((r) => !r.id.startsWith(`${runId}:`));
  // Every annotation the teacher's journal accepted is one of the user's rows, labeled with the teacher's label, for training.
  const annotated = new Set(requests.filter((r) => r.jobId.endsWith(':annotate')).flatMap((r) => Object.entries(r.outcomes ?? {}).filter(([, o]) => o === 'accepted').map(([h]) => h)));
  expect(annotated.size).toBeGreaterThan(0);
  const annotatedRows = labeledRows.filter((r) => r.source === 'annotated');
  expect(annotatedRows.length).toBe(annotated.size);
  for (const r of labeledRows) {
    expect(r, r.text).toMatchObject({ split: 'train', label: labelOf.get(r.text), file: 'unlabeled.txt' });
  }
  // No text twice, and no user text left unlabeled beside a labeled copy of it.
  expect(new Set(rows.map((r) => r.text.trim().toLowerCase())).size).toBe(rows.length);
  const stillUnlabeled = rows.filter((r) => r.split === 'unlabeled');
  expect(stillUnlabeled.length + labeledRows.length).toBe(20);
  // The page's counts are the rows: "added" the run's rows in the project, "labeled" the user's rows among them; Accepted the same.
  await expect(run.getByTestId('run-line')).toHaveText(`Finished: ${fromRun.length} examples added to your project, ${labeledRows.length} of them your own unlabeled texts, now labeled`);
  await expect(run.locator('dt:text("Accepted") + dd')).toHaveText(String(fromRun.length));
  const sum = (await run.getByTestId('asked-sum').textContent())!.match(/(\d+) = (\d+) accepted \+ (\d+) rejected \+ (\d+) missing/)!.slice(1).map(Number);
  expect(sum[0]).toBe(sum[1] + sum[2] + sum[3]);
  expect(sum[1]).toBe(fromRun.length);
  expect(fromRun.length).toBeLessThanOrEqual(30);

  // Review names where each row came from: the user's texts are not "your seed".
  await run.getByRole('button', { name: 'Review the examples →' }).click();
  const filters = page.getByRole('search', { name: 'Filter examples' });
  await filters.getByLabel('Source').selectOption({ label: 'your seed' });
  await expect(page.getByText(`24 of ${rows.length} shown`)).toBeVisible();
  await filters.getByLabel('Source').selectOption({ label: 'your text, no label' });
  await expect(page.getByText(`${stillUnlabeled.length} of ${rows.length} shown`)).toBeVisible();
  await filters.getByLabel('Source').selectOption({ label: 'your text, teacher\'s label' });
  await expect(page.getByText(`${labeledRows.length} of ${rows.length} shown`)).toBeVisible();
  await shot(page, '14-review-unlabeled');
});

/** Teacher requests the loop's journal records for the open project's run, retries included. */
async function journaledAttempts(page: Page): Promise<number> {
  const requests = await storedRows<{ attempts?: number }>(page, 'requests', { openProject: true });
  return requests.reduce((s, r) => s + (r.attempts ?? 1), 0);
}

/** The synthesis run's record and the teacher examples in its project (the run works in the user's project), read from IndexedDB. */
async function runRecord(page: Page): Promise<{ addedTotal: number; loopTexts: string[] }> {
  const runs = await storedRows<{ kind: string; projectId: string; state: { rounds: { round: number; addedTotal: number }[] } }>(page, 'runs');
  const rows = await storedRows<{ projectId: string; example: { text: string; split: string; provenance: { source: string } } }>(page, 'examples');
  const run = runs.find((r) => r.kind === 'loop')!;
  const loopTexts = rows.filter((r) => r.projectId === run.projectId && r.example.split === 'train' && r.example.provenance.source !== 'seed').map((r) => r.example.text);
  return { addedTotal: run.state.rounds.reduce((s, r) => s + r.addedTotal, 0), loopTexts };
}

/** The synthesis run the open project points at (its id changes when a run is started over). */
async function savedRunId(page: Page): Promise<string> {
  const projects = await storedRows<{ settings?: { synth?: { runId: string } } }>(page, 'projects');
  return projects.map((p) => p.settings?.synth?.runId).find(Boolean) ?? '';
}

/** A new project whose synthesis run (60 examples, slow teacher) has accepted some but not all. */
async function synthesisUnderWay(page: Page): Promise<Locator> {
  const teacher = await startSim({ latencyMs: 400 });
  await freshPage(page);
  await newTopicsProject(page);
  await connect(page, teacher.url);
  await synthSettings(page, 60, 0);
  await page.getByRole('button', { name: 'Start' }).click();
  const run = page.getByRole('region', { name: /Run/ });
  const accepted = run.locator('dt:text("Accepted") + dd');
  await expect(accepted).not.toHaveText('0', { timeout: 60_000 });
  expect(Number(await accepted.textContent())).toBeLessThan(60);
  return run;
}

test('a reload in the middle of synthesis resumes the run with no lost or duplicated example', async ({ page }) => {
  test.setTimeout(400_000);
  await synthesisUnderWay(page);
  await page.reload();

  // Back on the Synthesize step, the run carries on by itself and finishes.
  await expect(page.getByRole('heading', { name: 'Synthesize', level: 2 })).toBeVisible();
  const badge = page.getByRole('region', { name: /Run/ }).locator('.badge');
  await expect(badge).toHaveText(/Finished|Stopped|Paused|Cancelled/, { timeout: 300_000 });
  expect(await badge.textContent()).toBe('Finished');
  await shot(page, '8-resumed-after-reload');

  const rec = await runRecord(page);
  const mine = (await storedExamples(page)).filter((e) => e.source !== 'seed');
  // Nothing duplicated: every stored teacher text is unique, in the run and in the project.
  expect(new Set(rec.loopTexts).size).toBe(rec.loopTexts.length);
  expect(new Set(mine.map((e) => e.text)).size).toBe(mine.length);
  // Nothing lost: the run reached its budget and the project holds every example the run counted.
  expect(rec.addedTotal).toBeGreaterThanOrEqual(55);
  expect(mine.length).toBe(rec.addedTotal);
});

test('a second tab on the same run says the run is going elsewhere instead of running it twice', async ({ page }) => {
  test.setTimeout(400_000);
  const run = await synthesisUnderWay(page);

  // The same app in a second tab opens on the running run and would resume it: it is told why not.
  const other = await page.context().newPage();
  await other.goto(page.url());
  const otherRun = other.getByRole('region', { name: /Run/ });
  await expect(otherRun.getByRole('alert')).toContainText('already going in another tab', { timeout: 60_000 });
  await shot(other, '11-second-tab');
  // Nor may it start over, which would delete what the first tab is writing and start a new run.
  const runId = await savedRunId(page);
  expect(runId).toContain(':synth:');
  await otherRun.getByRole('button', { name: 'Start over' }).click();
  await other.getByRole('dialog', { name: 'Start a new run?' }).getByRole('button', { name: 'Start the new run' }).click();
  await expect(otherRun.getByRole('alert')).toContainText('already going in another tab');
  await other.waitForTimeout(1000);
  expect(await savedRunId(page)).toBe(runId);

  // The first tab finishes alone: every example once, all of them counted.
  await expect(run.locator('.badge')).toHaveText('Finished', { timeout: 300_000 });
  const rec = await runRecord(page);
  const mine = (await storedExamples(page)).filter((e) => e.source !== 'seed');
  expect(new Set(mine.map((e) => e.text)).size).toBe(mine.length);
  expect(mine.length).toBe(rec.addedTotal);
  await other.close();
});

/** The count in a row of the run's "Teacher errors, by kind" table (0 when the row is absent). */
async function failures(run: Locator, kind: RegExp): Promise<number> {
  const row = run.getByTestId('teacher-failures').getByRole('row', { name: kind });
  return (await row.count()) ? Number(await row.locator('td').textContent()) : 0;
}

test('a failing teacher: errors counted by kind, pause and resume, an outage, resume after the fix with nothing lost, cancel keeps what was made', async ({ page }) => {
  test.setTimeout(500_000);
  // The first answers: 429s (with Retry-After) and answers that are not JSON, which the client retries.
  const teacher = await startSim({ latencyMs: 300, retryAfterMs: 300, faultSchedule: [null, '429', 'malformed', '429', null, 'malformed'] });
  await freshPage(page);
  await newTopicsProject(page);
  await connect(page, teacher.url);
  await synthSettings(page, 50, 0);
  await page.getByRole('button', { name: 'Start' }).click();
  const run = page.getByRole('region', { name: /Run/ });
  const badge = run.locator('.badge');
  const accepted = run.locator('dt:text("Accepted") + dd');
  await expect(accepted).not.toHaveText('0', { timeout: 60_000 });

  // Pause stops the run and nothing more comes in.
  await run.getByRole('button', { name: 'Pause' }).click();
  await expect(badge).toHaveText('Paused');
  const paused = (await accepted.textContent())!;
  await page.waitForTimeout(1500);
  await expect(accepted).toHaveText(paused);

  // A full outage: the teacher now answers 500 to everything. Resumed, the run retries, gives up,
  // says what happened and what to do, and keeps what it had accepted.
  teacher.core.setFaults({ '500': 1 });
  await run.getByRole('button', { name: 'Resume' }).click();
  await expect(badge).toHaveText('Running');
  await expect(badge).toHaveText(/Stopped by an error|Finished/, { timeout: 240_000 });
  expect(await badge.textContent(), 'the run finished though the teacher was down').toBe('Stopped by an error');
  const alert = run.getByRole('alert');
  await expect(alert).toContainText('The teacher kept failing');
  await expect(alert).toContainText('press Resume');
  expect(await failures(run, /server errors/)).toBeGreaterThanOrEqual(10);
  const before = (await runRecord(page)).loopTexts;
  expect(before.length).toBeGreaterThanOrEqual(Number(paused));
  await expect(accepted).toHaveText(String(before.length));
  await expect(alert).toContainText(`The ${before.length} example${before.length === 1 ? '' : 's'} accepted so far`);
  await shot(page, '9-teacher-failed');

  // The server goes away altogether, and the page is reloaded: the run, resumed on load, stops at
  // once (the teacher cannot be reached), and the counters say what the store holds, the same
  // number as the message beside them (was: Accepted 0, Tokens 0, "Nothing yet").
  const port = teacher.port;
  await teacher.close();
  await page.reload();
  await expect(badge).toHaveText('Stopped by an error');
  await expect(alert).toContainText(`The ${before.length} example${before.length === 1 ? '' : 's'} accepted so far are kept`);
  await expect(accepted).toHaveText(String(before.length));
  await expect(run.locator('dt:text("Tokens") + dd')).not.toHaveText('0');
  await expect(run.getByTestId('run-line')).toHaveText(`Stopped by an error: ${before.length} examples so far`);
  await shot(page, '9b-teacher-gone-after-reload');

  // The teacher is back and fixed; Resume finishes the run with every example accepted before the outage.
  sim = await startTeacherSim({ pool: TOPIC_POOL, core: teacher.core, port, latencyMs: 300 });
  teacher.core.setFaults({});
  await run.getByRole('button', { name: 'Resume' }).click();
  await expect(badge).toHaveText(/Running|Finished/);
  await expect(alert).toHaveCount(0);
  await expect(badge).toHaveText(/Finished|Stopped|Paused|Cancelled/, { timeout: 300_000 });
  expect(await badge.textContent(), await alertText(run)).toBe('Finished');
  const rec = await runRecord(page);
  const mine = (await storedExamples(page)).filter((e) => e.source !== 'seed');
  const mineTexts = new Set(mine.map((e) => e.text));
  expect(before.filter((t) => !mineTexts.has(t))).toEqual([]);
  expect(mineTexts.size).toBe(mine.length);
  expect(mine.length).toBe(rec.addedTotal);
  expect(rec.addedTotal).toBeGreaterThanOrEqual(45);
  await expect(accepted).toHaveText(String(rec.addedTotal));
  // Every kind of failure the run met is still counted after it, through the pause and the resumes.
  expect(await failures(run, /rate limited/)).toBeGreaterThanOrEqual(1);
  expect(await failures(run, /not valid JSON/)).toBeGreaterThanOrEqual(1);
  expect(await failures(run, /server errors/)).toBeGreaterThanOrEqual(10);
  await shot(page, '10-teacher-recovered');

  // Cancel: a new run stopped halfway keeps the examples it made, and all the earlier ones.
  teacher.core.setFaults({});
  await page.getByLabel('Budget (examples to add)').fill('20');
  await run.getByRole('button', { name: 'Start over' }).click();
  // Asked first: what the new run does, and what happens to the examples the first one made.
  const dialog = page.getByRole('dialog', { name: 'Start a new run?' });
  await expect(dialog).toContainText('up to 20 new examples');
  await expect(dialog).toContainText(`${rec.addedTotal} examples the teacher wrote`);
  await dialog.getByRole('button', { name: 'Start the new run' }).click();
  await expect(badge).toHaveText('Running');
  // The new run's counts start from nothing (the last run's are not shown as its own).
  await expect(run.getByTestId('teacher-failures')).toHaveCount(0);
  await expect(accepted).not.toHaveText('0', { timeout: 60_000 });
  await run.getByRole('button', { name: 'Cancel' }).click();
  await expect(badge).toHaveText('Cancelled');
  const made = Number(await accepted.textContent());
  expect(made).toBeGreaterThan(0);
  const after = (await storedExamples(page)).filter((e) => e.source !== 'seed');
  const afterTexts = new Set(after.map((e) => e.text));
  expect([...mineTexts].filter((t) => !afterTexts.has(t))).toEqual([]);
  expect(afterTexts.size).toBe(after.length);
  expect(after.length).toBeGreaterThan(mine.length);
  expect(after.length).toBeLessThanOrEqual(mine.length + made);
});
