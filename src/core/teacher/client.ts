/**
 * The teacher client: one OpenAI-compatible chat-completions endpoint behind the `openai` SDK.
 *
 * The SDK does the wire format, streaming and error types. Its own retry loop is switched off
 * (`maxRetries: 0`) and replaced by `complete()` below because the job needs things the SDK's
 * loop does not give: a count of every failed attempt by kind (429, 5xx, timeout, malformed…) for
 * the summary, retries of answers that arrived but cannot be parsed (malformed or truncated JSON),
 * full jitter with a cap the caller chooses, and a budget check before every attempt so a budget
 * stops the work between attempts, never in the middle of one.
 */
import OpenAI from 'openai';
import { AbortError, UserError } from '../errors.js';
import type { BudgetStop } from './budget.js';
import { checkedEndpoint } from './endpoint.js';
import type { JsonMode } from './presets.js';

export type FailureKind =
  | 'rate_limited' | 'server_error' | 'timeout' | 'network' | 'malformed' | 'truncated' | 'client_error';

/** A failed attempt. `retryable` ones are tried again after a backoff. */
export class TeacherError extends Error {
  constructor(readonly kind: FailureKind, message: string, readonly retryAfterMs?: number, readonly status?: number) {
    super(message);
    this.name = 'TeacherError';
  }
  get retryable(): boolean { return this.kind !== 'client_error'; }
}

export interface TeacherConfig {
  baseURL: string;
  model: string;
  /** Local servers accept anything; the SDK insists on a non-empty string. */
  apiKey?: string;
  jsonMode?: JsonMode;
  /** Per-attempt limit; a server that hangs longer counts as a `timeout` failure. */
  timeoutMs?: number;
  /** Attempts per request, the first included. */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A Retry-After longer than this is cut to it, so one bad header cannot stall a job for hours. */
  maxRetryAfterMs?: number;
  /** Ask for server-sent events (some proxies time out on long non-streamed answers). */
  stream?: boolean;
  /** Tests and the browser may pass their own fetch. */
  fetch?: typeof fetch;
}

export interface JsonSchemaSpec {
  /** Also tells the simulated teacher which task this is. */
  name: string;
  schema: Record<string, unknown>;
}

export interface ChatMessage { role: 'system' | 'user' | 'assistant'; content: string }

export interface ChatRequest {
  messages: ChatMessage[];
  schema: JsonSchemaSpec;
  temperature?: number;
  maxTokens?: number;
}

export interface Usage { promptTokens: number; completionTokens: number; estimated: boolean }

export interface ChatAnswer {
  text: string;
  finishReason: string | null;
  usage: Usage;
  /** The server's id of the completion, when it sends one. */
  responseId?: string;
}

export interface AttemptHooks {
  signal?: AbortSignal;
  /** Called before every attempt; return a reason to stop (a budget), or undefined to go on. */
  beforeAttempt?: () => BudgetStop | undefined;
  /** Called after every attempt that reached the server and got an answer (tokens were spent). */
  onUsage?: (usage: Usage) => void;
  onFailure?: (error: TeacherError) => void;
}

/** Thrown by `complete()` when `beforeAttempt` refuses: the caller stops cleanly. */
export class StopRequested extends Error {
  constructor(readonly reason: BudgetStop) { super(`stopped: ${reason}`); this.name = 'StopRequested'; }
}

/** Rough token count for servers that send no `usage`: about four characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export class TeacherClient {
  readonly config: Required<Omit<TeacherConfig, 'fetch' | 'apiKey'>> & Pick<TeacherConfig, 'fetch' | 'apiKey'>;
  private readonly sdk: OpenAI;
  /** Downgraded to 'text' once if the server refuses `response_format`. */
  private jsonMode: JsonMode;

  constructor(config: TeacherConfig) {
    const baseURL = checkedEndpoint(config.baseURL);
    if (!config.model) throw new UserError('teacher-model', 'No teacher model is set.', 'Pick one from the server\'s model list.');
    this.config = {
      jsonMode: 'schema', timeoutMs: 60_000, maxAttempts: 6, backoffBaseMs: 500, backoffMaxMs: 20_000,
      maxRetryAfterMs: 120_000, stream: false, ...config,
    };
    this.jsonMode = this.config.jsonMode;
    this.sdk = new OpenAI({
      baseURL,
      apiKey: config.apiKey || 'not-needed',
      dangerouslyAllowBrowser: true,
      maxRetries: 0,
      timeout: this.config.timeoutMs,
      ...(config.fetch ? { fetch: config.fetch } : {}),
    });
  }

  get model(): string { return this.config.model; }
  get currentJsonMode(): JsonMode { return this.jsonMode; }

  /**
   * One request, tried up to `maxAttempts` times. `parse` turns the answer text into a value and
   * throws a `TeacherError('malformed' | 'truncated')` when it cannot; that attempt is retried.
   */
  async complete<T>(req: ChatRequest, parse: (answer: ChatAnswer) => T, hooks: AttemptHooks = {}): Promise<{ value: T; answer: ChatAnswer; attempts: number }> {
    const { signal } = hooks;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new AbortError();
      const stop = hooks.beforeAttempt?.();
      if (stop) throw new StopRequested(stop);
      let error: TeacherError;
      try {
        const answer = await this.once(req, signal);
        hooks.onUsage?.(answer.usage);
        return { value: parse(answer), answer, attempts: attempt };
      } catch (e) {
        if (e instanceof AbortError) throw e;
        if (e instanceof TeacherError) error = e;
        else if (e instanceof UserError) throw e;
        else error = classify(e, signal);
      }
      hooks.onFailure?.(error);
      if (error.status === 401 || error.status === 403) {
        throw new UserError('teacher-auth', `The teacher refused the API key (HTTP ${error.status}).`, 'Check the key and that it may use this model.');
      }
      if (error.status === 404) {
        throw new UserError('teacher-model', `The teacher answered 404 for model '${this.config.model}' at ${this.config.baseURL}.`, 'Check the model name against the server\'s model list and the URL (it usually ends in /v1).');
      }
      if (error.kind === 'client_error' && this.jsonMode === 'schema' && error.status === 400 && /response_format|json_schema|schema|structured|grammar|guided/i.test(error.message)) {
        // Many servers reject `response_format: json_schema`; ask for JSON in the text instead.
        // Only for that refusal: a 400 for a prompt longer than the context, say, is not cured by
        // dropping the schema (and a small local model without it breaks its JSON).
        this.jsonMode = 'text';
        continue;
      }
      if (!error.retryable || attempt >= this.config.maxAttempts) throw error;
      const backoff = Math.random() * Math.min(this.config.backoffMaxMs, this.config.backoffBaseMs * 2 ** (attempt - 1));
      const wait = error.retryAfterMs !== undefined ? Math.min(error.retryAfterMs, this.config.maxRetryAfterMs) + backoff * 0.1 : backoff;
      await sleep(wait, signal);
    }
  }

  private async once(req: ChatRequest, signal?: AbortSignal): Promise<ChatAnswer> {
    const messages = this.jsonMode === 'schema' ? req.messages : withSchemaInText(req.messages, req.schema);
    const body = {
      model: this.config.model,
      messages,
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
      ...(this.jsonMode === 'schema'
        ? { response_format: { type: 'json_schema' as const, json_schema: { name: req.schema.name, schema: req.schema.schema, strict: true } } }
        : {}),
    };
    const promptChars = messages.reduce((s, m) => s + m.content.length, 0);
    if (this.config.stream) {
      const stream = await this.sdk.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, { signal });
      let text = '';
      let finishReason: string | null = null;
      let id: string | undefined;
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        id ??= chunk.id;
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices?.[0];
        if (choice?.delta?.content) text += choice.delta.content;
        if (choice?.finish_reason) finishReason = choice.finish_reason;
      }
      return { text, finishReason, responseId: id, usage: toUsage(usage, promptChars, text) };
    }
    const res = await this.sdk.chat.completions.create(body, { signal });
    const choice = Array.isArray(res?.choices) ? res.choices[0] : undefined;
    const text = typeof choice?.message?.content === 'string' ? choice.message.content : '';
    if (!choice) throw new TeacherError('malformed', 'The answer has no choices.');
    return { text, finishReason: choice.finish_reason ?? null, responseId: typeof res.id === 'string' ? res.id : undefined, usage: toUsage(res.usage, promptChars, text) };
  }
}

function toUsage(u: OpenAI.CompletionUsage | undefined | null, promptChars: number, text: string): Usage {
  const p = Number(u?.prompt_tokens), c = Number(u?.completion_tokens);
  if (Number.isFinite(p) && Number.isFinite(c) && p >= 0 && c >= 0) return { promptTokens: p, completionTokens: c, estimated: false };
  return { promptTokens: Math.ceil(promptChars / 4), completionTokens: estimateTokens(text), estimated: true };
}

/** For servers without `response_format`: the schema goes at the end of the last user message. */
export function withSchemaInText(messages: ChatMessage[], schema: JsonSchemaSpec): ChatMessage[] {
  const out = messages.map((m) => ({ ...m }));
  const last = out.length - 1;
  out[last].content += `\n\nReply with one JSON object and nothing else (no prose, no code fence). It must follow this JSON schema (name: ${schema.name}):\n<json_schema>${JSON.stringify(schema.schema)}</json_schema>`;
  return out;
}

function parseRetryAfter(headers: Headers | undefined): number | undefined {
  if (!headers || typeof headers.get !== 'function') return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const v = headers.get('retry-after');
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Maps whatever the SDK or fetch threw to a failure kind. */
export function classify(e: unknown, signal?: AbortSignal): TeacherError {
  if (signal?.aborted) throw new AbortError();
  if (e instanceof TeacherError) return e;
  if (e instanceof OpenAI.APIUserAbortError) throw new AbortError();
  if (e instanceof OpenAI.APIConnectionTimeoutError) return new TeacherError('timeout', 'The teacher did not answer in time.');
  if (e instanceof OpenAI.APIConnectionError) return new TeacherError('network', `Network error (${rootCause(e)}).`);
  if (e instanceof OpenAI.APIError) {
    const status = e.status ?? 0;
    const retryAfter = parseRetryAfter(e.headers as Headers | undefined);
    if (status === 429) return new TeacherError('rate_limited', 'Rate limited (HTTP 429).', retryAfter, status);
    if (status === 408) return new TeacherError('timeout', 'The server timed out (HTTP 408).', retryAfter, status);
    if (status >= 500) return new TeacherError('server_error', `Server error (HTTP ${status}).`, retryAfter, status);
    return new TeacherError('client_error', `HTTP ${status}: ${e.message}`, undefined, status);
  }
  // The SDK throws a SyntaxError-like error when a 200 body is not JSON, or a stream breaks off.
  const msg = (e as Error)?.message ?? String(e);
  if (e instanceof SyntaxError || /JSON/i.test(msg)) return new TeacherError('malformed', `The answer was not valid JSON: ${msg}`);
  return new TeacherError('network', msg);
}

/** The innermost cause: fetch hides ECONNREFUSED and friends two levels down. */
function rootCause(e: unknown): string {
  let cur = e as { cause?: unknown; code?: string; message?: string } | undefined;
  for (let i = 0; i < 5 && cur && typeof cur.cause === 'object' && cur.cause !== null; i++) cur = cur.cause as typeof cur;
  return cur?.code ?? cur?.message ?? String(e);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError());
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(new AbortError()); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
