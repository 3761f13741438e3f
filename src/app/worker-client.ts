import * as Comlink from 'comlink';
import type { WorkerApi } from '../worker/worker';
import { installErrorTransfer } from '../worker/protocol';
import workerUrl from '../worker/worker.ts?worker&url';
import { startWorker } from './flow/csp';

let remote: Comlink.Remote<WorkerApi> | undefined;

/**
 * The one worker of the page, started on first use; its calls are typed (`worker().train.run(…)`),
 * and a UserError or a cancel thrown there is thrown here as one (worker/protocol.ts).
 */
export function worker(): Comlink.Remote<WorkerApi> {
  if (!remote) {
    installErrorTransfer();
    // Started through a blob: module so the page's connect-src (flow/csp.ts) binds the worker too.
    const w = startWorker(workerUrl, 'distillery');
    remote = Comlink.wrap<WorkerApi>(w);
  }
  return remote;
}
