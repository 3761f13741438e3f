import * as Comlink from 'comlink';
import type { WorkerApi } from '../worker/worker';

let remote: Comlink.Remote<WorkerApi> | undefined;

/** The one worker of the page, started on first use. */
export function worker(): Comlink.Remote<WorkerApi> {
  if (!remote) {
    const w = new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module' });
    remote = Comlink.wrap<WorkerApi>(w);
  }
  return remote;
}
