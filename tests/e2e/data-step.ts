/**
 * The Data step as the browser tests drive it, in one place: a clean app, a seeds upload, and a
 * project saved from it. The specs share these so a change to the step's labels is made once.
 */
import { expect, type Page } from '@playwright/test';

/** Opens the app with nothing stored: no flow state, no projects, no remembered key. */
export async function freshApp(page: Page): Promise<void> {
  await page.goto('/');
  await page.evaluate(async () => {
    localStorage.clear();
    for (const name of ['distillery', 'distillery-secrets']) {
      await new Promise<void>((res) => { const r = indexedDB.deleteDatabase(name); r.onsuccess = r.onerror = r.onblocked = () => res(); });
    }
  });
  await page.reload();
}

/** Picks a file in the "Labeled examples (seeds)" input. */
export async function uploadSeeds(page: Page, name: string, buffer: Buffer): Promise<void> {
  await page.getByLabel('Labeled examples (seeds)').setInputFiles({ name, mimeType: 'text/csv', buffer });
}

/** Uploads `csv`, waits for the report to accept `accepted` rows, and saves it as project `name`. */
export async function newProject(page: Page, name: string, csv: Buffer, accepted: number, fileName = `${name}.csv`): Promise<void> {
  await uploadSeeds(page, fileName, csv);
  await expect(page.getByTestId('seeds-report').getByTestId('seeds-accepted')).toContainText(`${accepted} accepted`);
  await page.getByLabel('Project name').fill(name);
  await page.getByRole('button', { name: 'Save project' }).click();
  await expect(page.getByTestId('open-project')).toContainText(`Project “${name}”`);
}
