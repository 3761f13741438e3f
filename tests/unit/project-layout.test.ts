import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the project folder a new user opens', () => {
  it('has at its top level only what the app, the CLI, the tests or their tooling need', () => {
    // Debug and self-check pages live with the tests that use them (tests/e2e/encoder-harness),
    // never beside index.html where the app's build would pick them up.
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    const top = [...new Set(tracked.map((p) => p.split('/')[0]!))].sort();
    expect(top).toEqual([
      '.ci', '.gitignore', 'README.md', 'bench', 'bin', 'docs', 'index.html', 'package-lock.json', 'package.json',
      'playwright.config.ts', 'public', 'scripts', 'src', 'svelte.config.js', 'tests', 'tsconfig.json', 'tsconfig.node.json',
      'vite.config.ts', 'vitest.config.ts',
    ]);
  });
});
