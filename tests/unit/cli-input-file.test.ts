import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInputFile } from '../../src/cli/input-file.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'distillery-input-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try { await p; } catch (e) {
    expect((e as Error).name).toBe('UserError');
    return e as { code: string; message: string };
  }
  throw new Error('expected a UserError');
}

describe('readInputFile: the one reader of every CLI command', () => {
  it('reads a regular file whole', async () => {
    const f = join(dir, 'a.csv');
    writeFileSync(f, 'text,label\nhello,x\n');
    expect(new TextDecoder().decode(await readInputFile(f))).toBe('text,label\nhello,x\n');
  });

  it('refuses a file that never ends (/dev/zero) by what it is, before reading', async () => {
    const e = await refusal(readInputFile('/dev/zero'));
    expect(e.code).toBe('not-a-file');
    expect(e.message).toMatch(/\/dev\/zero is a character device, not a regular file/);
  });

  it('refuses a FIFO without waiting for a writer', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const e = await refusal(readInputFile(fifo));
    expect(e.message).toMatch(/named pipe \(FIFO\)/);
  });

  it('refuses a folder and a missing path with what to do', async () => {
    expect((await refusal(readInputFile(dir))).message).toMatch(/is a folder/);
    const missing = await refusal(readInputFile(join(dir, 'nope.csv')));
    expect([missing.code, missing.message]).toEqual(['no-file', `Cannot read ${join(dir, 'nope.csv')}: no such file.`]);
  });

  it('enforces the cap: by the stated size, and while reading a file whose size says 0', async () => {
    const f = join(dir, 'big.txt');
    writeFileSync(f, 'x'.repeat(5000));
    const big = await refusal(readInputFile(f, { maxBytes: 4096 }));
    expect([big.code, big.message]).toEqual(['too-large', `${f} is 0.0 MB, over the 0.0 MB limit.`]);
    // /proc files report size 0; the cap still holds on what is read.
    const proc = await refusal(readInputFile('/proc/self/maps', { maxBytes: 64 }));
    expect(proc.code).toBe('too-large');
    expect(proc.message).toMatch(/reading stopped there/);
    expect((await readInputFile('/proc/self/maps')).length).toBeGreaterThan(64);
  });
});
