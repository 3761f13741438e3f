import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

describe('a new user right after npm ci', () => {
  it('`npx distillery --help` prints the commands and no npm warning', async () => {
    const r = await run('npx', ['distillery', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: distillery/);
    expect(r.stderr).not.toMatch(/npm warn/i);
  }, 60_000);

  it('every dependency with an install script has been reviewed (package.json allowScripts)', async () => {
    // An unreviewed one would make every `npm ci` end with a warning, or, allowed blindly, could
    // try a download that fails offline (onnxruntime-node's did).
    const r = await run('npm', ['install-scripts', 'ls']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No packages with unreviewed install scripts/);
  }, 60_000);
});
