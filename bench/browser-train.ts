/**
 * Drives the built app in Chromium for the training benchmarks: serves `dist/` (or uses
 * $DISTILLERY_URL), uploads a generated dataset through the Data step, trains on the Train step
 * and reads the run's summary back from IndexedDB, exactly as a user's run records it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../tests/e2e/chromium.js';
import type { EpochReport } from '../src/core/student/train.js';
import type { Metrics } from '../src/core/student/metrics.js';

/** The part of the worker's TrainSummary (src/worker/train.ts, stored in project.settings.train) the benches read. */
export interface TrainSummary {
  modelId: string;
  backend: string;
  history: EpochReport[];
  val: Metrics;
  examples: { train: number; val: number; test: number };
  memory: { numTensors: number; numBytes: number };
  peakTensorBytes: number;
}

async function waitFor(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { if ((await fetch(url)).ok) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

export async function withApp<T>(fn: (page: Page) => Promise<T>): Promise<T> {
  let server: ChildProcess | undefined;
  let base = process.env.DISTILLERY_URL;
  if (!base) {
    if (!existsSync('dist/index.html')) throw new Error('No built app: run `npm run build` first (or set DISTILLERY_URL).');
    const port = 4176;
    server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'ignore', detached: true });
    base = `http://127.0.0.1:${port}`;
  }
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    await waitFor(base, 60_000);
    const page = await browser.newPage({ baseURL: base });
    let crashed = false;
    page.on('crash', () => { crashed = true; });
    await page.goto(base);
    await page.evaluate(async () => {
      localStorage.clear();
      await new Promise<void>((res, rej) => { const r = indexedDB.deleteDatabase('distillery'); r.onsuccess = () => res(); r.onerror = () => rej(r.error); r.onblocked = () => res(); });
    });
    await page.reload();
    const out = await fn(page);
    if (crashed) throw new Error('the tab crashed');
    return out;
  } finally {
    await browser.close();
    if (server?.pid) process.kill(-server.pid, 'SIGTERM');
  }
}

export async function uploadProject(page: Page, name: string, csv: string): Promise<number> {
  await page.getByLabel('Labeled examples (seeds)').setInputFiles({ name: `${name}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const acc = page.getByTestId('seeds-report').getByTestId('seeds-accepted');
  await acc.waitFor({ timeout: 300_000 });
  const accepted = Number((await acc.textContent())!.replace(/[^\d]/g, ''));
  await page.getByLabel('Project name').fill(name);
  await page.getByRole('button', { name: 'Save project' }).click();
  await page.getByTestId('open-project').getByText(name).waitFor({ timeout: 300_000 });
  await page.getByRole('button', { name: /Train$/ }).click();
  // The backend list fills in once the worker has tried each backend.
  await page.locator('[data-testid="train-backend"] option[value="cpu"]').waitFor({ state: 'attached', timeout: 120_000 });
  return accepted;
}

async function lastSummary(page: Page): Promise<TrainSummary | undefined> {
  return page.evaluate(() => new Promise<TrainSummary | undefined>((res, rej) => {
    const id = (JSON.parse(localStorage.getItem('distillery.flow') ?? '{}') as { projectId?: string }).projectId;
    const r = indexedDB.open('distillery');
    r.onerror = () => rej(r.error);
    r.onsuccess = () => {
      const g = r.result.transaction('projects').objectStore('projects').getAll();
      g.onsuccess = () => {
        const ps = g.result as { id: string; settings: { train?: { summary: TrainSummary } } }[];
        res(ps.find((p) => p.id === id)?.settings.train?.summary);
        r.result.close();
      };
    };
  }));
}

export type RunOutcome = { ok: true; summary: TrainSummary; wallSeconds: number } | { ok: false; error: string; wallSeconds: number };

/** One training run on the Train step; resolves with the stored summary or the error the page shows. */
export async function trainOnce(page: Page, backend: string, epochs: number, timeoutMs = 1_200_000): Promise<RunOutcome> {
  const before = (await lastSummary(page))?.modelId;
  await page.getByTestId('train-backend').selectOption(backend);
  await page.getByTestId('train-epochs').fill(String(epochs));
  const t0 = Date.now();
  await page.getByTestId('train-start').click();
  const end = t0 + timeoutMs;
  while (Date.now() < end) {
    const phase = await page.getByTestId('train-status').getAttribute('data-phase');
    if (phase === 'failed') return { ok: false, error: (await page.getByRole('alert').first().textContent()) ?? 'failed', wallSeconds: (Date.now() - t0) / 1000 };
    if (phase === 'done') {
      const s = await lastSummary(page);
      if (s && s.modelId !== before) return { ok: true, summary: s, wallSeconds: (Date.now() - t0) / 1000 };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { ok: false, error: `no result within ${timeoutMs / 1000} s`, wallSeconds: (Date.now() - t0) / 1000 };
}
