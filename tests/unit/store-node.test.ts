import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, appendFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeStore, safe } from '../../src/core/store/node.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { storeContract, example, project } from './store-contract.js';

storeContract('node', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'distillery-store-'));
  return { store: await NodeStore.open(dir), reopen: () => NodeStore.open(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

storeContract('memory', async () => {
  const s = new MemoryStore();
  return { store: s, reopen: async () => s };
});

describe('NodeStore on disk', () => {
  it('writes the documented layout and leaves no temporary files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'distillery-store-'));
    const s = await NodeStore.open(dir);
    await s.putProject(project('p/1'));
    await s.putExamples('p/1', [example('a', 'pos'), example('b', 'neg')]);
    expect(await readdir(join(dir, 'projects'))).toEqual([safe('p/1') + '.json']);
    expect(safe('p/1')).toBe('p%2F1');
    const lines = (await readFile(join(dir, 'examples', 'p%2F1.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(['a', 'b']);
    expect((await readdir(join(dir, 'examples'))).filter((n) => n.includes('.tmp-'))).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps concurrent writes (no lost updates) and survives a torn journal tail', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'distillery-store-'));
    const s = await NodeStore.open(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.putExamples('p', [example(String(i), 'pos')])));
    expect(await s.listExamples('p')).toHaveLength(20);
    await s.putRequest({ projectId: 'p', jobId: 'j', key: 'k', status: 'done', acceptedIds: [], rejected: {}, promptTokens: 1, completionTokens: 1, finishedAt: 't' });
    await appendFile(join(dir, 'requests', 'p', 'j.jsonl'), '{"projectId":"p","jobId":"j","key":"k2","sta'); // a crash mid-append
    const again = await NodeStore.open(dir);
    expect((await again.listRequests('p', 'j')).map((r) => r.key)).toEqual(['k']);
    await rm(dir, { recursive: true, force: true });
  });

  it('a failed write says what to do and keeps the previous file intact', async () => {
    if (process.getuid?.() === 0) return; // root ignores permissions, so this failure cannot be provoked
    const dir = await mkdtemp(join(tmpdir(), 'distillery-store-'));
    const s = await NodeStore.open(dir);
    await s.putExamples('p', [example('a', 'pos')]);
    await chmod(join(dir, 'examples'), 0o500);
    await expect(s.putExamples('p', [example('b', 'pos')])).rejects.toMatchObject({ name: 'UserError', code: 'storage-denied' });
    await chmod(join(dir, 'examples'), 0o700);
    expect((await s.listExamples('p')).map((e) => e.id)).toEqual(['a']);
    await rm(dir, { recursive: true, force: true });
  });
});
