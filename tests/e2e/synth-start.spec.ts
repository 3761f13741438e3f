/**
 * The Synthesize step's Start is never a silent no-op: when the browser's storage refuses the new
 * run's record (here a full quota, made by the test on the page's IndexedDB), the page says what
 * is wrong and what to do, stays "Not started" with Start pressable, and a second press, with the
 * storage back, starts the run. Fast student and the simulated teacher, so it takes seconds.
 */
import { expect, test } from '@playwright/test';
import { startTeacherSim, type TeacherSim } from '../../src/core/teacher/sim/server';
import { freshApp } from './data-step';
import { connect } from './teacher-step';
import { newTopicsProject, synthSettings, TOPIC_POOL } from './topics-project';


let sim: TeacherSim | undefined;
test.afterEach(async () => { await sim?.close(); sim = undefined; });

test('a start the storage refuses says why, leaves Start pressable, and the next press starts the run', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  sim = await startTeacherSim({ pool: TOPIC_POOL, seed: 7, latencyMs: 50 });
  await freshApp(page);
  await newTopicsProject(page);
  await connect(page, sim.url);
  await synthSettings(page, 10, 0);

  // The page's writes of project records fail as a full disk quota makes them fail.
  await page.evaluate(() => {
    const put = IDBObjectStore.prototype.put;
    const w = window as unknown as { storageFull: boolean };
    w.storageFull = true;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (w.storageFull && this.name === 'projects') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  const run = page.getByRole('region', { name: /Run/ });
  const start = run.getByRole('button', { name: 'Start', exact: true });
  await start.click();
  await expect(run.getByRole('alert')).toContainText('The browser\'s storage for this page is full, so this was not saved.');
  await expect(run.getByRole('alert')).toContainText('Delete projects you no longer need');
  await expect(run.locator('.badge')).toHaveText('Not started');
  await expect(start).toBeEnabled();

  // Storage back: the same button starts the run, and the message goes.
  await page.evaluate(() => { (window as unknown as { storageFull: boolean }).storageFull = false; });
  await start.click();
  await expect(run.locator('.badge')).toHaveText(/Running|Finished/);
  await expect(run.getByRole('alert')).toBeHidden();
  await expect(run.locator('.badge')).toHaveText('Finished', { timeout: 120_000 });
  expect(errors).toEqual([]);
});
