/**
 * The Worker entry: exposes the core to the UI over Comlink so that parsing, embedding, training
 * and teacher calls never run on the main thread. Each concept adds its own namespace here,
 * proxy-marked so the page's `Comlink.Remote<WorkerApi>` types its calls (protocol.ts).
 */
import * as Comlink from 'comlink';
import './backends.js';
import { bundleApi } from './bundle.js';
import { encodeApi } from './encode.js';
import { dataApi } from './data.js';
import { teacherCheckApi } from './teacher-check.js';
import { loopApi } from './loop.js';
import { trainApi } from './train.js';
import { installErrorTransfer, jobs } from './protocol.js';

installErrorTransfer();

const api = {
  ping: () => 'pong' as const,
  /** Stops a long job (a training run, a synthesis run) by its id. */
  cancel: (jobId: string) => jobs.cancel(jobId),
  bundle: Comlink.proxy(bundleApi),
  encode: Comlink.proxy(encodeApi),
  data: Comlink.proxy(dataApi),
  teacherCheck: Comlink.proxy(teacherCheckApi),
  loop: Comlink.proxy(loopApi),
  train: Comlink.proxy(trainApi),
};

export type WorkerApi = typeof api;

Comlink.expose(api);
