import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelEntry } from '../../src/core/models/catalog.js';
import { MODELS } from '../../src/core/models/catalog.js';
import { ensureModel, isInstalled } from '../../src/core/models/fetch-node.js';
import { isUserError } from '../../src/core/errors.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const entry: ModelEntry = {
  id: 'tiny', role: 'encoder', description: 'test', license: 'MIT', upstream: 'none', dir: 'models/tiny',
  files: [
    { path: 'config.json', bytes: 2, sha256: sha('{}') },
    { path: 'sub/w.bin', bytes: 5, sha256: sha('12345') },
  ],
};

async function tmp() { return mkdtemp(join(tmpdir(), 'distillery-models-')); }

describe('ensureModel', () => {
  it('installs from a named folder (files under <id>/) and is then up to date', async () => {
    const root = await tmp();
    const from = await tmp();
    await mkdir(join(from, 'tiny', 'sub'), { recursive: true });
    await writeFile(join(from, 'tiny', 'config.json'), '{}');
    await writeFile(join(from, 'tiny', 'sub', 'w.bin'), '12345');
    expect(await isInstalled(entry, root)).toBe(false);
    const dir = await ensureModel(entry, { root, from, skip: ['pypi', 'hub'] });
    expect(await readFile(join(dir, 'sub', 'w.bin'), 'utf8')).toBe('12345');
    expect(await isInstalled(entry, root, true)).toBe(true);
    // No temporary files left beside the installed ones.
    expect((await readdir(join(dir, 'sub'))).filter((n) => n.includes('.tmp-'))).toEqual([]);
    await rm(root, { recursive: true, force: true });
    await rm(from, { recursive: true, force: true });
  });

  it('refuses a file whose content differs from the pinned sha256, naming the file and the fix', async () => {
    const root = await tmp();
    const from = await tmp();
    await mkdir(join(from, 'sub'), { recursive: true });
    await writeFile(join(from, 'config.json'), '{}');
    await writeFile(join(from, 'sub', 'w.bin'), '12346'); // same size, other bytes
    const err = await ensureModel(entry, { root, from, skip: ['pypi', 'hub'] }).catch((e) => e);
    expect(isUserError(err)).toBe(true);
    expect(err.message).toContain('sub/w.bin');
    expect(err.userMessage).toContain('npm run models');
    expect(await isInstalled(entry, root)).toBe(false);
    await rm(root, { recursive: true, force: true });
    await rm(from, { recursive: true, force: true });
  });

  it('notices a file changed after install, even with a stamp', async () => {
    const root = await tmp();
    const from = await tmp();
    await mkdir(join(from, 'sub'), { recursive: true });
    await writeFile(join(from, 'config.json'), '{}');
    await writeFile(join(from, 'sub', 'w.bin'), '12345');
    const dir = await ensureModel(entry, { root, from, skip: ['pypi', 'hub'] });
    await writeFile(join(dir, 'sub', 'w.bin'), '99999');
    expect(await isInstalled(entry, root)).toBe(false);
    await rm(root, { recursive: true, force: true });
    await rm(from, { recursive: true, force: true });
  });
});

describe('the catalog', () => {
  it('pins every file of every model by size and sha256', () => {
    for (const m of MODELS) {
      expect(m.files.length).toBeGreaterThan(0);
      for (const f of m.files) {
        expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(f.bytes).toBeGreaterThan(0);
      }
      if (m.pypi) expect(m.pypi.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
