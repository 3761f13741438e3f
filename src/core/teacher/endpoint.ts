/**
 * The teacher's address, in one place: what a person typed made into a base URL (a preset's name
 * or a URL), what is wrong with it, and a probe of it (`GET {base}/models`, what every
 * OpenAI-compatible server answers). The core says what is wrong with a code and a plain message;
 * each front words its own hint (the CLI names its flags, the page its steps and fields).
 */
import { UserError } from '../errors.js';
import { findPreset } from './presets.js';

/** A preset's name (`ollama`) or a URL, as the base URL to call: trimmed, no trailing slash. */
export function normalizeEndpoint(raw: string): string {
  const t = raw.trim();
  return (findPreset(t)?.baseURL ?? t).replace(/\/+$/, '');
}

export type EndpointProblemKind = 'empty' | 'not-a-url' | 'not-http' | 'credentials';

/** What is wrong with a base URL (after `normalizeEndpoint`), or null when it can be called. */
export function endpointProblem(raw: string): { kind: EndpointProblemKind; message: string } | null {
  const t = normalizeEndpoint(raw);
  if (!t) return { kind: 'empty', message: 'No teacher URL is set.' };
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    return { kind: 'not-a-url', message: `The teacher URL '${t}' is not a web address.` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { kind: 'not-http', message: `The teacher URL '${t}' is not an http(s) URL.` };
  if (u.username || u.password) return { kind: 'credentials', message: 'The teacher URL holds a user name or password; the API key goes apart.' };
  return null;
}

/** The base URL to call, or a UserError ('teacher-url') that says what is wrong with it. */
export function checkedEndpoint(raw: string): string {
  const problem = endpointProblem(raw);
  if (problem) throw new UserError('teacher-url', problem.message);
  return normalizeEndpoint(raw);
}

/** The origin (scheme://host:port) a base URL calls, or null when it is not a usable URL. */
export function endpointOrigin(raw: string): string | null {
  return endpointProblem(raw) ? null : new URL(normalizeEndpoint(raw)).origin;
}

export type EndpointProbe =
  | { ok: true; models: string[] }
  /**
   * unreachable: no answer (network, refused, timeout); auth: the key was refused; not-api: an
   * answer, but not an OpenAI-style model list (a wrong path, an error status).
   */
  | { ok: false; kind: 'unreachable' | 'auth' | 'not-api'; message: string; status?: number };

export interface ProbeOptions {
  apiKey?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** Asks the teacher for its model list, with a short timeout; never throws for what the answer says. */
export async function probeEndpoint(baseUrl: string, options: ProbeOptions = {}): Promise<EndpointProbe> {
  const base = checkedEndpoint(baseUrl);
  const url = `${base}/models`;
  const timeoutMs = options.timeoutMs ?? 5000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url, { signal, headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {} });
  } catch (e) {
    options.signal?.throwIfAborted();
    const why = timeout.aborted ? `no answer within ${timeoutMs / 1000} s` : ((e as Error & { cause?: Error }).cause?.message ?? (e as Error).message);
    return { ok: false, kind: 'unreachable', message: `The teacher at ${base} cannot be reached (${why}).` };
  }
  if (res.status === 401 || res.status === 403) {
    return { ok: false, kind: 'auth', status: res.status, message: `The teacher at ${base} refused the API key (HTTP ${res.status}).` };
  }
  if (!res.ok) return { ok: false, kind: 'not-api', status: res.status, message: `The teacher at ${base} answered HTTP ${res.status} to ${url}.` };
  const body = (await res.json().catch(() => null)) as { data?: { id?: unknown }[] } | null;
  if (!body || !Array.isArray(body.data)) return { ok: false, kind: 'not-api', message: `${url} did not answer with an OpenAI-style model list.` };
  return { ok: true, models: body.data.map((m) => String(m.id)).sort() };
}

const PROBE_CODES = { unreachable: 'teacher-unreachable', auth: 'teacher-auth', 'not-api': 'teacher-not-api' } as const;

/** The model list, or a UserError with the probe's code and message (the front adds its hint). */
export async function teacherModels(baseUrl: string, options: ProbeOptions = {}): Promise<string[]> {
  const p = await probeEndpoint(baseUrl, options);
  if (!p.ok) throw new UserError(PROBE_CODES[p.kind], p.message);
  return p.models;
}
