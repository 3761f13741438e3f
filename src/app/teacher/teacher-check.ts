/** The Teacher step's default connection checks: asked of the worker, errors turned back into UserErrors. */
import { UserError } from '../../core/errors.js';
import type * as Comlink from 'comlink';
import type { CheckResult, teacherCheckApi } from '../../worker/teacher-check';
import { worker } from '../worker-client';
import type { TestRequest } from './teacher-settings';

function unwrap<T>(r: CheckResult<T>): T {
  if (r.ok) return r.value;
  throw new UserError(r.error.code, r.error.message, r.error.hint);
}

// Comlink types a nested namespace as a promise; at run time it is a proxy to call through.
const check = () => worker().teacherCheck as unknown as Comlink.Remote<typeof teacherCheckApi>;

export async function listModelsViaWorker(baseURL: string, apiKey: string): Promise<string[]> {
  return unwrap(await check().models(baseURL, apiKey));
}

export async function sampleViaWorker(req: TestRequest): Promise<string> {
  return unwrap(await check().sample({ presetId: req.presetId, baseURL: req.baseURL, model: req.model, apiKey: req.apiKey }));
}
