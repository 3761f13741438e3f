/**
 * The worker's `teacherCheck` namespace: the Teacher step's "load models" and "test connection".
 * They run here, not on the page, so they go through the same client and the same CSP-bound
 * context as the synthesis itself: a connection that passes the test is one the run can use.
 * UserErrors come back as values, as in data.ts (Comlink keeps only message and name).
 */
import { isUserError } from '../core/errors.js';
import { TeacherClient, TeacherError } from '../core/teacher/client.js';
import { findPreset } from '../core/teacher/presets.js';

export interface CheckRequest { presetId: string; baseURL: string; model: string; apiKey: string }
export interface CheckError { code: string; message: string; hint?: string }
export type CheckResult<T> = { ok: true; value: T } | { ok: false; error: CheckError };

const CORS_HINT = 'If the server runs on your machine, check that it is started and that it allows requests from this page (CORS; see the note under Server type).';

function failure(e: unknown): { ok: false; error: CheckError } {
  if (isUserError(e)) {
    const network = /network|fetch|connection error|cannot be reached/i.test(e.message);
    return { ok: false, error: { code: e.code, message: e.message, hint: network ? `${e.hint ?? ''} ${CORS_HINT}`.trim() : e.hint } };
  }
  if (e instanceof TeacherError) {
    const hint = e.kind === 'network' || e.kind === 'timeout' ? CORS_HINT
      : e.kind === 'rate_limited' ? 'The server is rate-limiting; wait a minute and try again.'
      : e.kind === 'malformed' || e.kind === 'truncated' ? 'The model answered, but not in the JSON form asked for; try a larger or instruction-tuned model.'
      : undefined;
    return { ok: false, error: { code: `teacher-${e.kind}`, message: e.message, hint } };
  }
  throw e;
}

const SAMPLE_SCHEMA = {
  name: 'connection_test',
  schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false },
};

export const teacherCheckApi = {
  async models(baseURL: string, apiKey: string): Promise<CheckResult<string[]>> {
    try {
      return { ok: true, value: await new TeacherClient({ baseURL, model: 'list', apiKey, timeoutMs: 10_000 }).listModels() };
    } catch (e) {
      return failure(e);
    }
  },

  /** One small structured request, the same kind synthesis sends; the answer comes back as text. */
  async sample(req: CheckRequest): Promise<CheckResult<string>> {
    try {
      const client = new TeacherClient({
        baseURL: req.baseURL, model: req.model, apiKey: req.apiKey,
        jsonMode: findPreset(req.presetId)?.jsonMode ?? 'schema', timeoutMs: 45_000, maxAttempts: 2,
      });
      const { value } = await client.complete(
        {
          messages: [
            { role: 'system', content: 'You are checking that a connection works. Answer briefly.' },
            { role: 'user', content: 'In one sentence, say hello and name one kind of text you could help sort into categories.' },
          ],
          schema: SAMPLE_SCHEMA,
          temperature: 0,
          maxTokens: 200,
        },
        // The sample is shown, not used: if it is not the JSON asked for, show the raw text.
        (a) => {
          try {
            const v = JSON.parse(a.text) as { answer?: unknown };
            return typeof v.answer === 'string' ? v.answer : a.text;
          } catch {
            return a.text;
          }
        },
      );
      return { ok: true, value };
    } catch (e) {
      return failure(e);
    }
  },
};
