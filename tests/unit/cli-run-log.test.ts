import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLogWriter } from '../../src/cli/run-log.js';

describe('run-log.jsonl', () => {
  it('an event is on disk when the call returns, so a kill -9 right after loses nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'distillery-runlog-'));
    try {
      const log = runLogWriter(join(dir, 'run-log.jsonl'));
      log({ type: 'step', step: 'prepare' });
      expect(readFileSync(join(dir, 'run-log.jsonl'), 'utf8')).toMatch(/^\{"at":"[^"]+","type":"step","step":"prepare"\}\n$/);
      log({ type: 'step', step: 'r0.synth' });
      expect(readFileSync(join(dir, 'run-log.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
