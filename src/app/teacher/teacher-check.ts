/**
 * The Teacher step's connection checks, asked of the worker. The worker throws the core's
 * UserErrors (code and message); the page words what to do about them (teacher-hints.ts), in the
 * Teacher step's own terms and for the server type chosen.
 */
import { isUserError, UserError } from '../../core/errors.js';
import { worker } from '../worker-client';
import { teacherHint } from './teacher-hints';
import type { TestRequest } from './teacher-settings';

/** The worker's error with the Teacher step's hint where it has one. */
function worded<T>(p: Promise<T>, presetId: string): Promise<T> {
  return p.catch((e: unknown) => {
    const hint = isUserError(e) ? teacherHint(e.code, presetId, location.origin) : undefined;
    if (isUserError(e) && hint) throw new UserError(e.code, e.message, hint);
    throw e;
  });
}

export function listModelsViaWorker(baseURL: string, apiKey: string, presetId = 'custom'): Promise<string[]> {
  return worded(worker().teacherCheck.models(baseURL, apiKey), presetId);
}

export function sampleViaWorker(req: TestRequest): Promise<string> {
  return worded(worker().teacherCheck.sample({ presetId: req.presetId, baseURL: req.baseURL, model: req.model, apiKey: req.apiKey }), req.presetId);
}
