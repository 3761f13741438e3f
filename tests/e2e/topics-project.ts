/**
 * The browser tests' Topics project: the seeds CSV (8 examples of each of 3 labels, 24 rows), the
 * teacher-sim pool that answers for it, the project saved from the seeds, and the Synthesize
 * step's budget and rounds. The specs share these so the fixture and the step's labels live once.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { newProject } from './data-step';

export const TOPIC_SEEDS = readFileSync(fileURLToPath(new URL('../fixtures/flow-seeds.csv', import.meta.url)));
/** What teacher-sim answers from: labeled texts of the same topics. */
export const TOPIC_POOL = readFileSync(fileURLToPath(new URL('../fixtures/teacher-pool.tsv', import.meta.url)), 'utf8')
  .split('\n').slice(1).filter(Boolean).map((l) => { const [text, label] = l.split('\t'); return { text: text!, label: label! }; });

/** Data step: uploads the seeds and saves project "Topics". */
export async function newTopicsProject(page: Page): Promise<void> {
  await newProject(page, 'Topics', TOPIC_SEEDS, 24, 'topics.csv');
}

/** Opens the Synthesize step and sets its budget and error-fixing rounds. */
export async function synthSettings(page: Page, budget: number, rounds: number): Promise<void> {
  await page.getByRole('button', { name: /3\. Synthesize/ }).click();
  await page.getByLabel('Budget (examples to add)').fill(String(budget));
  await page.getByLabel('Error-fixing rounds').fill(String(rounds));
}
