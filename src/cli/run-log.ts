/**
 * `run-log.jsonl`: one line per loop event. Each line is written and fsynced before the loop goes
 * on (synchronously: events come a few per step), so a run killed with SIGKILL has logged every
 * step its checkpoint says it finished; a fire-and-forget append lost the last ones.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { writeError } from '../core/store/atomic-write-node.js';

export function runLogWriter(file: string): (event: object) => void {
  return (event) => {
    const line = JSON.stringify({ at: new Date().toISOString(), ...event }) + '\n';
    try {
      const fd = openSync(file, 'a');
      try {
        writeSync(fd, line);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      writeError(e, file);
    }
  };
}
