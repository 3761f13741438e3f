/**
 * The Teacher, Synthesize, Review and Evaluate steps rendered with fixture data (no worker, no
 * teacher): what a user sees and can do with each, plus the page's Content-Security-Policy. The
 * harness (tests/e2e/flow-ui-harness/) is built with the app's own Vite plugins and served on its
 * own port; screenshots of each step go to tests/e2e/screenshots/.
 */
import { test, expect, type Page } from '@playwright/test';
import { build, preview, type PreviewServer } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { cspPlugin } from '../../src/app/flow/csp-plugin';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = `${HERE}flow-ui-harness`;
const OUT = `${HERE}../../test-results/flow-ui-harness`;
const SHOTS = `${HERE}screenshots`;
// Its own port, so it can run beside the app's preview (4173) and other helpers' servers.
const PORT = Number(process.env.FLOW_UI_PORT ?? 4179);
const BASE = `http://127.0.0.1:${PORT}`;
// Same server, different origin: what the CSP must block unless it is the chosen teacher.
const OTHER = `http://localhost:${PORT}`;

let server: PreviewServer;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  mkdirSync(SHOTS, { recursive: true });
  const config = {
    root: ROOT,
    configFile: false as const,
    logLevel: 'warn' as const,
    plugins: [svelte({ configFile: false }), cspPlugin()],
    worker: { format: 'es' as const },
    build: { outDir: OUT, emptyOutDir: true, target: 'es2022' },
    preview: { host: '127.0.0.1', port: PORT, strictPort: true },
  };
  await build(config);
  server = await preview(config);
});

test.afterAll(async () => {
  await server?.close();
});

test.use({ viewport: { width: 1366, height: 768 } });

/** Fails the test on any CSP violation or page error, so a component cannot quietly need a looser policy. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  return problems;
}

async function calls(page: Page): Promise<unknown[][]> {
  return page.evaluate(() => window.calls);
}

test.describe('Teacher step', () => {
  test('loads models, tests the connection and shows the answer as text, never HTML', async ({ page }) => {
    const problems = watch(page);
    await page.goto(`${BASE}/?view=teacher`);
    await page.getByLabel('API key').fill('sk-test-123');
    await page.getByRole('button', { name: 'Load models from server' }).click();
    const model = page.getByLabel('Model');
    await expect(model).toHaveValue('gpt-4.1-nano'); // sorted list, first chosen
    await model.selectOption('gpt-4o-mini');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const answer = page.locator('blockquote');
    await expect(answer).toContainText('<img src=x onerror="window.pwned=1"> I can label texts');
    expect(await answer.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    const test = (await calls(page)).find((c) => c[0] === 'test');
    expect(test?.[1]).toMatchObject({ baseURL: 'https://api.openai.com/v1', model: 'gpt-4o-mini', apiKey: 'sk-test-123' });
    // The key is never saved with the settings.
    expect(await page.evaluate(() => localStorage.getItem('distillery.teacher'))).not.toContain('sk-test');
    await expect(page.getByRole('heading', { name: 'What leaves this device' })).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/flow-ui-teacher.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  test('a failing teacher shows what happened next to the button', async ({ page }) => {
    await page.goto(`${BASE}/?view=teacher&fail=1`);
    await page.getByLabel('API key').fill('sk-test');
    await page.getByLabel('Model').fill('gpt-4o-mini');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect(page.getByRole('alert')).toContainText('HTTP 429');
    // A hosted API (the OpenAI preset) accepts requests from web pages: the hint names its host and
    // the network, never a CORS setting the user cannot change.
    await expect(page.getByRole('alert')).toContainText('requests to api.openai.com');
    await expect(page.getByRole('alert')).not.toContainText('CORS');
  });

  test('a new server needs a reload, and is stored for the next load\'s policy', async ({ page }) => {
    await page.goto(`${BASE}/?view=teacher`);
    await page.getByLabel('Server type').selectOption('ollama');
    await expect(page.getByLabel('Server address (base URL)')).toHaveValue('http://127.0.0.1:11434/v1');
    await expect(page.getByLabel('API key')).toBeDisabled();
    await page.getByRole('button', { name: 'Use this server' }).click();
    expect((await calls(page)).some((c) => c[0] === 'reload')).toBe(true);
    expect(await page.evaluate(() => localStorage.getItem('distillery.teacherOrigin'))).toBe('http://127.0.0.1:11434');
    await page.getByLabel('Server address (base URL)').fill('ftp://x');
    await expect(page.getByRole('alert')).toContainText('http:// or https://');
  });

  test('remembering the key asks first, then keeps it in IndexedDB across reloads', async ({ page }) => {
    await page.goto(`${BASE}/?view=teacher`);
    await page.getByLabel('API key').fill('sk-remember-me');
    await page.getByLabel('API key').blur();
    // Ticking the box only asks; it stays unticked until the user agrees.
    await page.getByLabel('Remember on this device').click();
    await expect(page.getByRole('alertdialog')).toContainText('Anyone who uses this browser profile');
    await expect(page.getByLabel('Remember on this device')).not.toBeChecked();
    await page.getByRole('button', { name: 'Store it' }).click();
    await expect(page.getByLabel('Remember on this device')).toBeChecked();
    // The hint says "stored" only once the write has settled, so a reload after it finds the key.
    await expect(page.locator('#t-key-msg')).toContainText('stored in this browser');
    await page.reload();
    await expect(page.getByLabel('API key')).toHaveValue('sk-remember-me');
    // Not remembered: gone after a reload.
    await page.getByLabel('Remember on this device').uncheck();
    await expect(page.locator('#t-key-msg')).toContainText("Kept in this tab's memory only");
    await page.reload();
    await expect(page.getByLabel('API key')).toHaveValue('');
  });
});

test.describe('Content-Security-Policy', () => {
  test('page and worker may reach only the app and the chosen teacher origin', async ({ page }) => {
    await page.goto(`${BASE}/?view=none`);
    expect(await page.evaluate((u) => window.probe(u), `${BASE}/index.html`)).toBe('allowed');
    expect(await page.evaluate((u) => window.probe(u), `${OTHER}/index.html`)).toBe('blocked');
    expect(await page.evaluate((u) => window.probeInWorker(u), `${BASE}/index.html`)).toBe('allowed');
    expect(await page.evaluate((u) => window.probeInWorker(u), `${OTHER}/index.html`)).toBe('blocked');

    await page.evaluate((o) => localStorage.setItem('distillery.teacherOrigin', o), OTHER);
    await page.reload();
    expect(await page.evaluate((u) => window.probe(u), `${OTHER}/index.html`)).toBe('allowed');
    expect(await page.evaluate((u) => window.probeInWorker(u), `${OTHER}/index.html`)).toBe('allowed');
    expect(await page.evaluate(() => window.probe('http://127.0.0.2:9/x'))).toBe('blocked');
    expect(await page.evaluate(() => window.probeInWorker('http://127.0.0.2:9/x'))).toBe('blocked');
  });
});

test.describe('Synthesize step', () => {
  test('shows live counts by reason, tokens, cost and ETA, and pauses, resumes and cancels', async ({ page }) => {
    const problems = watch(page);
    await page.goto(`${BASE}/?view=synthesize&status=running`);
    await expect(page.getByText('Running', { exact: true })).toBeVisible();
    await expect(page.getByRole('table', { name: 'Rejected examples, by reason' })).toContainText('duplicate');
    await expect(page.getByRole('table', { name: 'Rejected examples, by reason' })).toContainText('answer was not valid JSON');
    const stat = (name: string) => page.locator(`dt:text-is("${name}") + dd`);
    await expect(stat('Accepted')).toHaveText('84');
    await expect(stat('Rejected')).toHaveText('15');
    // What never came is counted beside what was rejected, by reason, and the three add up to what was asked.
    await expect(stat('Missing')).toHaveText('6');
    await expect(page.getByRole('table', { name: /Missing: asked for but never came/ })).toContainText('left out of the answer');
    await expect(page.getByTestId('asked-sum')).toHaveText('Asked of the teacher: 105 = 84 accepted + 15 rejected + 6 missing');
    await expect(stat('Tokens')).toHaveText('59,242');
    await expect(stat('Cost')).toHaveText('$0.02'); // 41230*0.15e-6 + 18012*0.6e-6
    await expect(page.getByTestId('teacher-failures').getByRole('row', { name: /rate limited \(HTTP 429\)/ })).toContainText('2');
    // Settings are locked while running.
    await expect(page.getByLabel('Budget (examples to add)')).toBeDisabled();
    // Progress over time gives an ETA.
    for (let i = 1; i <= 3; i++) {
      await page.waitForTimeout(300);
      await page.evaluate((done) => window.push({ phase: 'synthesize', done, total: 200, detail: { round: 0, strategy: 'generate', requested: 2 * done - 84 + 15 + 6, accepted: done, rejected: { duplicate: 9 + done - 84, 'too-short': 3, 'off-label': 2, malformed: 1 }, missing: { 'not returned': 4, 'cut off': 2 }, promptTokens: 41230 + done * 100, completionTokens: 18012 + done * 50, failed: { rate_limited: 2 } } }), 84 + i * 10);
    }
    await expect(page.getByText(/about .* left/)).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/flow-ui-synthesize.png`, fullPage: true });

    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByRole('button', { name: 'Resume' })).toBeFocused({ timeout: 1000 }).catch(() => {});
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await calls(page)).map((c) => c[0])).toEqual(['pause', 'resume', 'cancel']);
    await expect(page.getByRole('button', { name: 'Start over' })).toBeEnabled();
    expect(problems).toEqual([]);
  });

  test('settings explain what is wrong and block a start until fixed', async ({ page }) => {
    await page.goto(`${BASE}/?view=synthesize`);
    // No unlabeled texts: annotation is off and says why.
    await expect(page.getByLabel('Label your unlabeled texts')).toBeDisabled();
    await expect(page.getByText('Needs unlabeled texts')).toBeVisible();
    await page.getByLabel('Budget (examples to add)').fill('5');
    await expect(page.getByText('Set the budget to at least 10 examples.').first()).toBeVisible();
    await expect(page.getByRole('button', { name: 'Start' })).toBeDisabled();
    // The reason is also beside the disabled button, and the button names it for a screen reader.
    const run = page.getByRole('region', { name: /Run/ });
    await expect(run.getByTestId('run-why-disabled')).toHaveText('Fix the settings to start: Set the budget to at least 10 examples.');
    await expect(page.getByRole('button', { name: 'Start' })).toHaveAccessibleDescription(/Set the budget to at least 10 examples/);
    await page.getByLabel('Budget (examples to add)').fill('120');
    // Sliders work from the keyboard, and a thumb's position is the share it shows: the shares
    // of the usable strategies always add up to 100%.
    const generate = page.getByLabel('Write new examples');
    await expect(generate).toHaveValue('50');
    await generate.focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    await expect(generate).toHaveValue('70');
    await expect(page.locator('output[for="mix-generate"]')).toHaveText('70%');
    await expect(generate).toHaveAttribute('aria-valuetext', '70 percent of the first batch');
    await expect(page.getByLabel('Reason first, then write')).toHaveValue('30');
    await expect(page.locator('output[for="mix-rationale"]')).toHaveText('30%');
    await expect(run.getByTestId('run-why-disabled')).toBeHidden();
    await page.getByRole('button', { name: 'Start' }).click();
    const start = (await calls(page)).find((c) => c[0] === 'start');
    expect(start?.[1]).toMatchObject({ budget: 120, rounds: 2, mix: { generate: 70, rationale: 30, annotate: 0 } });
    await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  });

  test('the mouse wheel over a focused number field leaves the number as it was (Chromium would step it)', async ({ page }) => {
    await page.goto(`${BASE}/?view=synthesize`);
    const budget = page.getByLabel('Budget (examples to add)');
    await budget.fill('120');
    await budget.focus();
    const box = (await budget.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, 100);
    await page.waitForTimeout(200);
    await expect(budget).toHaveValue('120');
  });

  test('Start over asks first, from the keyboard: says what the new run does and offers to keep or remove earlier examples (issue 19)', async ({ page }) => {
    const problems = watch(page);
    await page.goto(`${BASE}/?view=synthesize&status=paused&made=180&labeled=20`);
    // Paused: a Cancel first, then Start over from a cancelled run.
    await page.getByRole('button', { name: 'Cancel' }).click();
    const startOver = page.getByRole('button', { name: 'Start over' });
    await startOver.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Start a new run?' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('up to 200 new examples, with 2 error-fixing rounds');
    await expect(dialog).toContainText('180 examples the teacher wrote and 20 of your texts it labeled');
    await page.screenshot({ path: `${SHOTS}/flow-ui-start-over.png` });
    // Focus is in the dialog; Escape closes it and nothing starts.
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    expect((await calls(page)).filter((c) => c[0] === 'start')).toEqual([]);
    // Again: keep is chosen at first; the arrow keys choose remove, and the button says so.
    await startOver.focus();
    await page.keyboard.press('Enter');
    await expect(dialog.getByRole('radio', { name: /Keep them/ })).toBeChecked();
    await dialog.getByRole('radio', { name: /Keep them/ }).focus();
    await page.keyboard.press('ArrowDown');
    await expect(dialog.getByRole('radio', { name: /Remove them/ })).toBeChecked();
    await expect(dialog.getByRole('button', { name: 'Remove them and start' })).toBeVisible();
    await page.keyboard.press('Enter');
    await expect(dialog).toBeHidden();
    const start = (await calls(page)).find((c) => c[0] === 'start');
    expect(start?.[2]).toBe('remove');
    await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
    expect(problems).toEqual([]);
  });

  test('Start over that cannot read the project says so where the run is, and starts nothing', async ({ page }) => {
    await page.goto(`${BASE}/?view=synthesize&status=cancelled&earlierFails=1`);
    await page.getByRole('button', { name: 'Start over' }).click();
    await expect(page.getByRole('alert')).toContainText('Start over could not read what earlier runs put into your project: The database connection is closing. Nothing was changed');
    await expect(page.getByRole('dialog')).toBeHidden();
    expect((await calls(page)).filter((c) => c[0] === 'start')).toEqual([]);
  });

  test('an error is shown where the run is, with what to do', async ({ page }) => {
    await page.goto(`${BASE}/?view=synthesize&status=failed&error=${encodeURIComponent('The teacher kept answering HTTP 429. Wait a minute, then press Resume: finished requests are kept.')}`);
    await expect(page.getByRole('alert')).toContainText('press Resume');
    // A run stopped by an error can be resumed (it keeps what it made) or started over.
    await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Start over' })).toBeVisible();
  });
});

test.describe('Review step', () => {
  test('5000 examples scroll smoothly: only the visible rows are in the page', async ({ page }) => {
    const problems = watch(page);
    await page.goto(`${BASE}/?view=review&n=5000`);
    await expect(page.getByText('5,000 of 5,000 shown')).toBeVisible();
    const rows = page.locator('#review-scroll [role="row"]');
    expect(await rows.count()).toBeLessThan(40);
    await expect(page.locator('[role="table"]')).toHaveAttribute('aria-rowcount', '5001');
    await page.screenshot({ path: `${SHOTS}/flow-ui-review.png` });
    await page.locator('#review-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await expect(page.getByText('Example 4999:', { exact: false })).toBeVisible();
    expect(await rows.count()).toBeLessThan(40);
    expect(problems).toEqual([]);
  });

  test('filters by label, source and round, and searches', async ({ page }) => {
    await page.goto(`${BASE}/?view=review&n=400`);
    const filters = page.getByRole('search', { name: 'Filter examples' });
    await filters.getByLabel('Label').selectOption('praise');
    await expect(page.getByText('100 of 400 shown')).toBeVisible();
    await filters.getByLabel('Source').selectOption('seed');
    await expect(page.getByText('8 of 400 shown')).toBeVisible();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await filters.getByLabel('Round').selectOption('2');
    const n = Number((await page.locator('.count').textContent())!.split(' ')[0]);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(400);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Search').fill('Example 123:');
    await expect(page.getByText('1 of 400 shown')).toBeVisible();
  });

  test('edits a label inline and a text in a dialog; deletes with undo; moves to validation', async ({ page }) => {
    await page.goto(`${BASE}/?view=review&n=200`);
    await page.getByLabel('Search').fill('Example 40:');
    const row = page.locator('#review-scroll [role="row"]').first();
    await row.getByLabel('Label').selectOption('praise');
    await row.getByRole('button', { name: 'Edit text' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit example' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Text').fill('');
    await expect(dialog.getByText('The text cannot be empty')).toBeVisible();
    await dialog.getByLabel('Text').fill('Example 40: corrected text');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    await expect(row).toContainText('corrected text');
    // Escape leaves the text as it was.
    await row.getByRole('button', { name: 'Edit text' }).click();
    await dialog.getByLabel('Text').fill('thrown away');
    await page.keyboard.press('Escape');
    await expect(row).toContainText('corrected text');

    await row.getByLabel('Select').check();
    await page.getByRole('button', { name: 'Move to validation' }).click();
    await expect(row).toContainText('validation');

    await page.getByLabel('Search').fill('');
    await page.getByRole('checkbox', { name: /Select all/ }).check();
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(page.getByText('0 of 0 shown')).toBeVisible();
    await page.getByRole('button', { name: 'Undo delete' }).click();
    await expect(page.getByText('200 of 200 shown')).toBeVisible();

    const log = await calls(page);
    expect(log.find((c) => c[0] === 'edit' && (c[2] as { label?: string }).label)).toEqual(['edit', 'ex-40', { label: 'praise' }]);
    expect(log.find((c) => c[0] === 'edit' && (c[2] as { text?: string }).text)).toEqual(['edit', 'ex-40', { text: 'Example 40: corrected text' }]);
    expect(log.filter((c) => c[0] === 'edit')).toHaveLength(2);
    expect(log.find((c) => c[0] === 'move')).toEqual(['move', ['ex-40']]);
    expect((log.find((c) => c[0] === 'delete')?.[1] as string[]).length).toBe(200);
  });
});

test.describe('Evaluate step', () => {
  test('shows the per-round chart, an accessible confusion matrix, per-class F1 and the mistakes', async ({ page }) => {
    const problems = watch(page);
    await page.goto(`${BASE}/?view=evaluate`);
    await expect(page.getByRole('img', { name: 'Scores per round' })).toBeVisible();
    // One line per set of texts: the rounds' selection half, the Train step's validation, the one test set.
    await expect(page.locator('.legend')).toContainText('Test (200 texts) macro-F1');
    await expect(page.locator('.legend')).toContainText('Validation, selection half (40 texts) accuracy');
    await expect(page.locator('.legend')).toContainText('Validation (80 texts) accuracy');
    await page.getByText('Show as table').click();
    const table = page.locator('figure details table');
    const header = await table.locator('thead th').allTextContents();
    const col = header.indexOf('Validation, selection half (40 texts) accuracy');
    await expect(table.locator('tbody tr').last().locator('td').nth(col - 1)).toHaveText('–');
    await page.getByText('Show as table').click();
    // Every score says on how many texts it rests, with its interval, and what its set did.
    await expect(page.getByTestId('ev-accuracy')).toContainText(/\d+\.\d% \(95% interval \d+\.\d–\d+\.\d%, 200 texts\)/);
    await expect(page.getByTestId('ev-set')).toContainText('Test: Decided nothing');
    await expect(page.getByRole('heading', { name: /Mistakes on validation/ })).toBeVisible();
    const matrix = page.getByRole('table', { name: 'Confusion matrix' });
    await expect(matrix.getByRole('columnheader', { name: 'feature request' })).toBeVisible();
    await expect(matrix.getByRole('rowheader', { name: 'billing' })).toBeVisible();
    // Each cell says what it counts, not only by its colour.
    await expect(matrix.locator('td[aria-label*="billing predicted as billing"]')).toHaveCount(1);
    await expect(page.getByRole('table', { name: 'Per class' }).getByRole('row')).toHaveCount(5);
    // Mistakes: most confident first, and shown as text.
    const firstScore = await page.locator('.mis tbody tr').first().locator('.scores').textContent();
    expect(firstScore).toMatch(/%/);
    await expect(page.locator('.mis tbody b')).toHaveCount(0);
    await page.screenshot({ path: `${SHOTS}/flow-ui-evaluate.png`, fullPage: true });
    // Round picker changes the details; a round's own validation score says it rests on the selection half.
    const acc = await page.locator('.stats dd').first().textContent();
    await page.getByLabel('Round', { exact: true }).selectOption('0');
    await expect(page.locator('.stats dd').first()).not.toHaveText(acc!);
    await page.getByLabel('Set', { exact: true }).selectOption('val');
    await expect(page.getByTestId('ev-accuracy')).toContainText('40 texts');
    await expect(page.getByTestId('ev-set')).toContainText('Validation, selection half: Chose this student');
    await expect(page.getByRole('heading', { name: /Mistakes on the extrapolation half of validation/ })).toBeVisible();
    // The chart's data are available as a table.
    await page.getByText('Show as table').click();
    await expect(page.locator('details table')).toContainText('Round 2');
    await expect(page.locator('details table')).toContainText('Train step');
    expect(problems).toEqual([]);
  });

  test('before any training it says what to do', async ({ page }) => {
    await page.goto(`${BASE}/?view=evaluate&empty=1`);
    await expect(page.getByText('No results yet. Train a model first')).toBeVisible();
  });
});
