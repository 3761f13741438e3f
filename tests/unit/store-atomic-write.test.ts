import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleTemps, writeFileAtomic } from '../../src/core/store/atomic-write-node.js';
import { NodeStore } from '../../src/core/store/node.js';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'distillery-atomic-')); });
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The pid of a process that has exited, so a temp file named after it belongs to no one. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('writeFileAtomic: the one atomic write', () => {
  it('replaces the file and leaves no temporary file', async () => {
    const f = join(dir, 'a.json');
    await writeFileAtomic(f, '{"v":1}');
    await writeFileAtomic(f, new TextEncoder().encode('{"v":2}'));
    expect(await readFile(f, 'utf8')).toBe('{"v":2}');
    expect((await readdir(dir)).filter((n) => n.startsWith('a.json'))).toEqual(['a.json']);
  });

  it('a target that is a folder, or in a missing folder, is a UserError and leaves nothing behind', async () => {
    const sub = join(dir, 'sub');
    await mkdir(join(sub, 'target.zip'), { recursive: true });
    await expect(writeFileAtomic(join(sub, 'target.zip'), 'x')).rejects.toMatchObject({ name: 'UserError', code: 'is-a-folder' });
    await expect(writeFileAtomic(join(dir, 'missing', 'b.zip'), 'x')).rejects.toMatchObject({ name: 'UserError', code: 'no-folder' });
    expect(await readdir(sub)).toEqual(['target.zip']);
  });

  it('temporary files of a killed writer are removed; a live writer\'s are kept', async () => {
    const d = join(dir, 'stale');
    await mkdir(d);
    const dead = `x.json.tmp-${deadPid()}-abc123`;
    const mine = `y.json.tmp-${process.pid}-def456`;
    await writeFile(join(d, dead), 'half');
    await writeFile(join(d, mine), 'in progress');
    expect(await removeStaleTemps(d)).toEqual([dead]);
    expect((await readdir(d)).sort()).toEqual([mine]);
  });

  it('NodeStore.open removes what a kill -9 left in the run folder', async () => {
    const root = join(dir, 'store');
    const store = await NodeStore.open(root);
    await store.close();
    const stale = `p.json.tmp-${deadPid()}-zz9`;
    await writeFile(join(root, 'projects', stale), '{"half":');
    await writeFile(join(root, 'examples', `e.jsonl.tmp-${deadPid()}-zz8`), '{"half":');
    await (await NodeStore.open(root)).close();
    expect(await readdir(join(root, 'projects'))).toEqual([]);
    expect(await readdir(join(root, 'examples'))).toEqual([]);
  });
});
