/**
 * The worker's `teacherCheck` namespace: the Teacher step's "load models" and "test connection".
 * They run here, not on the page, so they go through the same client and the same CSP-bound
 * context as the synthesis itself: a connection that passes the test is one the run can use.
 * Failures throw UserErrors with the core's code and message; the page words the hint
 * (app/teacher/teacher-check.ts).
 */
import { UserError } from '../core/errors.js';
import { TeacherClient, TeacherError } from '../core/teacher/client.js';
import { teacherModels } from '../core/teacher/endpoint.js';
import { findPreset } from '../core/teacher/presets.js';

export interface CheckRequest { presetId: string; baseURL: string; model: string; apiKey: string }

/** A failed attempt of the client, as the UserError the page reads (`teacher-<kind>`). */
function asUserError(e: unknown): never {
  if (e instanceof TeacherError) throw new UserError(`teacher-${e.kind}`, e.message);
  throw e;
}

const SAMPLE_SCHEMA = {
  name: 'connection_test',
  schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false },
};

export const teacherCheckApi = {
  models(baseURL: string, apiKey: string): Promise<string[]> {
    return teacherModels(baseURL, { apiKey, timeoutMs: 10_000 });
  },

  /** One small structured request, the same kind synthesis sends; the answer comes back as text. */
  async sample(req: CheckRequest): Promise<string> {
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
      return value;
    } catch (e) {
      return asUserError(e);
    }
  },
};
