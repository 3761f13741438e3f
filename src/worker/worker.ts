/**
 * The Worker entry: exposes the core to the UI over Comlink so that parsing, embedding, training
 * and teacher calls never run on the main thread. Each concept adds its own namespace here.
 */
import * as Comlink from 'comlink';
import { bundleApi } from './bundle.js';
import { encodeApi } from './encode.js';
import { dataApi } from './data.js';
import { teacherCheckApi } from './teacher-check.js';
import { loopApi } from './loop.js';
import { trainApi } from './train.js';

const api = {
  ping: () => 'pong' as const,
  bundle: bundleApi,
  encode: encodeApi,
  data: dataApi,
  teacherCheck: teacherCheckApi,
  loop: loopApi,
  train: trainApi,
};

export type WorkerApi = typeof api;

Comlink.expose(api);
