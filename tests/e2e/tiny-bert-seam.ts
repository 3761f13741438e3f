/**
 * The browser tests' seam for the Accurate student: the app's MiniLM file requests are answered
 * with the tiny BERT fixture's files (same code path, seconds instead of hours); nothing in the
 * app changes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext } from '@playwright/test';

export const TINY_BERT = resolve('tests/fixtures/tiny-bert');

export async function answerMiniLmWithTinyBert(context: BrowserContext): Promise<void> {
  await context.route('**/models/all-MiniLM-L6-v2/**', async (route) => {
    const path = new URL(route.request().url()).pathname.split('/models/all-MiniLM-L6-v2/')[1]!;
    const file = resolve(TINY_BERT, path);
    if (!existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({ status: 200, body: readFileSync(file), contentType: path.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
  });
}
