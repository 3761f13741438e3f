import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/distillery.js', import.meta.url));
const SHARED = fileURLToPath(new URL('../../../shared/datasets/', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/seeds-multiline.csv', import.meta.url));

function inspect(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; last: any }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'inspect', ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const lines = stdout.trim().split('\n');
      let last: unknown;
      try { last = JSON.parse(lines[lines.length - 1]); } catch { last = undefined; }
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr, last });
    });
  });
}

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'distillery-inspect-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('distillery inspect', () => {
  it('prints a human report and, last, one JSON object with accepted, rejected and classes', async () => {
    const r = await inspect(FIXTURE);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/accepted: 12/);
    expect(r.last).toMatchObject({ accepted: 12, rejected: [], classes: { positive: 5, negative: 5, neutral: 2 }, columns: { text: 'text', label: 'label' } });
    expect(r.last.warnings).toEqual([]);
  });

  it.skipIf(!existsSync(SHARED))('sst2_glue/dev.tsv: 872 accepted, classes 0 and 1; a copy with three broken rows lists exactly those', async () => {
    const ok = await inspect(join(SHARED, 'sst2_glue/dev.tsv'));
    expect(ok.last.accepted).toBe(872);
    expect(Object.keys(ok.last.classes).sort()).toEqual(['0', '1']);
    const lines = readFileSync(join(SHARED, 'sst2_glue/dev.tsv'), 'utf8').split('\n');
    lines[10] = '\t1'; // empty text
    lines[20] = lines[20].split('\t')[0] + '\t'; // missing label
    lines[30] = lines[2]; // duplicate of line 3
    const broken = join(dir, 'dev-broken.tsv');
    writeFileSync(broken, lines.join('\n'));
    const b = await inspect(broken);
    expect(b.last.rejected).toEqual([
      { row: 11, reason: 'empty text' }, { row: 21, reason: 'missing label' }, { row: 31, reason: 'duplicate', detail: 'same text as row 3' },
    ]);
    expect(b.last.accepted).toBe(869);
    expect(b.stdout).toMatch(/row 11: empty text\n\s+row 21: missing label\n\s+row 31: duplicate/);
  });

  it('honours --text-col/--label-col and --unlabeled', async () => {
    const f = join(dir, 'cols.csv');
    writeFileSync(f, 'a,b,c\nx,first text here,1\ny,second text here,2\n');
    const r = await inspect(f, '--text-col', 'b', '--label-col', 'a');
    expect(r.last.columns).toMatchObject({ text: 'b', label: 'a' });
    expect(r.last.classes).toEqual({ x: 1, y: 1 });
    const u = await inspect(f, '--unlabeled', '--text-col', 'b');
    expect([u.last.labeled, u.last.accepted, u.last.classes]).toEqual([false, 2, {}]);
  });

  const bad: [string, string | Uint8Array, RegExp][] = [
    ['empty.csv', '', /empty\.csv is empty \(0 bytes\)/],
    ['photo.csv', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /photo\.csv is a PNG image, not a text file/],
    ['one-column.csv', 'text\nfirst review\nsecond review\n', /only one column.*unlabeled/],
  ];
  for (const [name, content, message] of bad) {
    it(`exits non-zero with one line for ${name}`, async () => {
      const f = join(dir, name);
      writeFileSync(f, content);
      const r = await inspect(f);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }

  it('refuses a 60 MB CSV with the limit named, and warns (exit 0) on a one-class file', async () => {
    const big = join(dir, 'big.csv');
    const row = 'some review text that is long enough to take space,pos\n';
    writeFileSync(big, 'text,label\n' + row.repeat(Math.ceil((60 << 20) / row.length)));
    const r = await inspect(big);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^distillery inspect: .*big\.csv is 60\.0 MB, over the 50\.0 MB limit\. Upload a sample/);
    const one = join(dir, 'one-class.csv');
    writeFileSync(one, 'text,label\ngood,pos\nfine,pos\n');
    const o = await inspect(one);
    expect(o.code).toBe(0);
    expect(o.last.warnings.map((w: { code: string }) => w.code)).toEqual(['one-class']);
    expect(o.stdout).toMatch(/! Only one class/);
  });
});
