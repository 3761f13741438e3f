/**
 * The Teacher step as the browser tests drive it: a custom server at the given URL (the page
 * reloads once so its Content-Security-Policy allows that origin) and the model `teacher-sim`.
 */
import { expect, type Page } from '@playwright/test';

/** From the Data step: connects the teacher at `url`. */
export async function connect(page: Page, url: string): Promise<void> {
  await page.getByRole('button', { name: 'Next: connect a teacher →' }).click();
  await page.getByLabel('Server type').selectOption('custom');
  await page.getByLabel('Server address (base URL)').fill(url);
  await page.getByLabel('Server address (base URL)').dispatchEvent('change');
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Use this server' }).click()]);
  await expect(page.getByText(`This page may connect to ${new URL(url).origin}.`)).toBeVisible();
  await page.getByLabel('Model').fill('teacher-sim');
  await page.getByLabel('Model').dispatchEvent('change');
}
