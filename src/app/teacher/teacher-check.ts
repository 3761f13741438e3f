/**
 * The Teacher step's connection checks, asked of the worker. The worker throws the core's
 * UserErrors (code and message); the page words what to do about them here, in the Teacher
 * step's own terms.
 */
import { isUserError, UserError } from '../../core/errors.js';
import { worker } from '../worker-client';
import type { TestRequest } from './teacher-settings';

const CORS_HINT = 'If the server runs on your machine, check that it is started and that it allows requests from this page (CORS; see the note under Server type).';

const HINTS: Record<string, string> = {
  'teacher-url': 'Start the address with http:// or https://, for example http://127.0.0.1:11434/v1.',
  'teacher-unreachable': `Check the address (it usually ends in /v1). ${CORS_HINT}`,
  'teacher-network': CORS_HINT,
  'teacher-timeout': CORS_HINT,
  'teacher-auth': 'Check the API key, and that it may use this model.',
  'teacher-not-api': 'Check the address: it should be the OpenAI-compatible API root, usually ending in /v1.',
  'teacher-rate_limited': 'The server is rate-limiting; wait a minute and try again.',
  'teacher-malformed': 'The model answered, but not in the JSON form asked for; try a larger or instruction-tuned model.',
  'teacher-truncated': 'The model answered, but not in the JSON form asked for; try a larger or instruction-tuned model.',
};

/** The worker's error with the Teacher step's hint where it has one. */
function worded<T>(p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => {
    if (isUserError(e) && HINTS[e.code]) throw new UserError(e.code, e.message, HINTS[e.code]);
    throw e;
  });
}

export function listModelsViaWorker(baseURL: string, apiKey: string): Promise<string[]> {
  return worded(worker().teacherCheck.models(baseURL, apiKey));
}

export function sampleViaWorker(req: TestRequest): Promise<string> {
  return worded(worker().teacherCheck.sample({ presetId: req.presetId, baseURL: req.baseURL, model: req.model, apiKey: req.apiKey }));
}
