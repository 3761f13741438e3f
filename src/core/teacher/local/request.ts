/**
 * The OpenAI chat-completions request as `teacher-local` understands it, read without trusting it:
 * every field is checked, and anything the engine cannot honour is refused with an
 * OpenAI-style 400 that names the field, instead of being silently ignored.
 *
 * `response_format: {type: 'json_schema'}` becomes a grammar for llama.cpp's constrained decoding.
 * node-llama-cpp's JSON-schema grammar takes a subset of JSON Schema; `toGrammarSchema` keeps that
 * subset and drops annotations that do not constrain output (title, $schema, description).
 * Constraints the grammar cannot enforce (pattern, minimum…) are refused, so a client never gets
 * JSON that looks valid but breaks its own schema.
 *
 * Pure: no node-llama-cpp here, so it is unit-tested without a model.
 */

export interface LocalChatMessage { role: 'system' | 'user' | 'assistant'; content: string }

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: GrammarSchema };

/** A JSON schema in the subset node-llama-cpp's grammar generator accepts. */
export type GrammarSchema = { [key: string]: unknown };

export interface LocalChatRequest {
  model?: string;
  messages: LocalChatMessage[];
  /** OpenAI's defaults: temperature 1, top_p 1. */
  temperature: number;
  topP: number;
  seed?: number;
  /** Undefined: up to the end of the context. */
  maxTokens?: number;
  stop: string[];
  frequencyPenalty: number;
  presencePenalty: number;
  responseFormat: ResponseFormat;
  stream: boolean;
  includeUsage: boolean;
}

/** A request the server refuses, as OpenAI words it: HTTP 400 with the offending parameter. */
export class BadRequest extends Error {
  constructor(message: string, readonly param?: string, readonly code = 'invalid_request_error', readonly status = 400) {
    super(message);
    this.name = 'BadRequest';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(body: Record<string, unknown>, key: string, fallback: number, min: number, max: number): number {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new BadRequest(`'${key}' must be a number in [${min}, ${max}], not ${JSON.stringify(v)}.`, key);
  return v;
}

function int(body: Record<string, unknown>, key: string, min: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new BadRequest(`'${key}' must be a whole number of at least ${min}, not ${JSON.stringify(v)}.`, key);
  return v;
}

/** Message content as text: a string, or the text parts of a content array. */
function contentText(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part, j) => {
      if (isObject(part) && part.type === 'text' && typeof part.text === 'string') return part.text;
      throw new BadRequest(`messages[${i}].content[${j}] is not a text part; this server reads text only.`, `messages[${i}].content`);
    }).join('');
  }
  if (content === null || content === undefined) return '';
  throw new BadRequest(`messages[${i}].content must be a string or an array of text parts.`, `messages[${i}].content`);
}

export function parseChatRequest(body: unknown): LocalChatRequest {
  if (!isObject(body)) throw new BadRequest('The body must be a JSON object.');
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw new BadRequest("'messages' must be a non-empty array.", 'messages');
  const messages = body.messages.map((m, i): LocalChatMessage => {
    if (!isObject(m)) throw new BadRequest(`messages[${i}] must be an object.`, `messages[${i}]`);
    const role = m.role === 'developer' ? 'system' : m.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw new BadRequest(`messages[${i}].role must be system, developer, user or assistant, not ${JSON.stringify(m.role)}.`, `messages[${i}].role`);
    }
    return { role, content: contentText(m.content, i) };
  });
  if (!messages.some((m) => m.role === 'user')) throw new BadRequest("'messages' needs at least one user message.", 'messages');
  const n = int(body, 'n', 1);
  if (n !== undefined && n !== 1) throw new BadRequest("'n' must be 1: this server returns one choice per request.", 'n');
  if (body.tools !== undefined && !(Array.isArray(body.tools) && body.tools.length === 0)) throw new BadRequest('Tools are not supported by this server.', 'tools');

  const stopRaw = body.stop;
  let stop: string[] = [];
  if (typeof stopRaw === 'string') stop = [stopRaw];
  else if (Array.isArray(stopRaw) && stopRaw.every((s) => typeof s === 'string')) stop = stopRaw as string[];
  else if (stopRaw !== undefined && stopRaw !== null) throw new BadRequest("'stop' must be a string or an array of strings.", 'stop');
  stop = stop.filter((s) => s.length > 0);

  const maxTokens = int(body, 'max_completion_tokens', 1) ?? int(body, 'max_tokens', 1);
  const seed = int(body, 'seed', Number.MIN_SAFE_INTEGER);
  const streamOptions = isObject(body.stream_options) ? body.stream_options : {};
  return {
    model: typeof body.model === 'string' ? body.model : undefined,
    messages,
    temperature: num(body, 'temperature', 1, 0, 2),
    topP: num(body, 'top_p', 1, 0, 1),
    ...(seed !== undefined ? { seed } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    stop,
    frequencyPenalty: num(body, 'frequency_penalty', 0, -2, 2),
    presencePenalty: num(body, 'presence_penalty', 0, -2, 2),
    responseFormat: parseResponseFormat(body.response_format),
    stream: body.stream === true,
    includeUsage: streamOptions.include_usage === true,
  };
}

function parseResponseFormat(rf: unknown): ResponseFormat {
  if (rf === undefined || rf === null) return { type: 'text' };
  if (!isObject(rf)) throw new BadRequest("'response_format' must be an object.", 'response_format');
  if (rf.type === 'text') return { type: 'text' };
  if (rf.type === 'json_object') return { type: 'json_object' };
  if (rf.type !== 'json_schema') throw new BadRequest(`response_format.type must be text, json_object or json_schema, not ${JSON.stringify(rf.type)}.`, 'response_format.type');
  const js = rf.json_schema;
  if (!isObject(js) || !isObject(js.schema)) throw new BadRequest('response_format.json_schema.schema must be a JSON schema object.', 'response_format.json_schema');
  const name = typeof js.name === 'string' ? js.name : 'response';
  return { type: 'json_schema', name, schema: toGrammarSchema(js.schema, 'schema', (js.schema.$defs ?? js.schema.definitions) as Record<string, unknown> | undefined) };
}

/** Keywords that only describe a value; dropping them changes nothing the grammar must enforce. */
const ANNOTATIONS = new Set(['title', 'description', '$schema', '$id', '$comment', 'examples', 'default', 'strict', 'readOnly', 'writeOnly', 'deprecated']);
const STRING_FORMATS = new Set(['date-time', 'time', 'date']);

/**
 * The schema in the subset node-llama-cpp turns into a grammar. Objects: every listed property is
 * written, in the listed order (as OpenAI's strict mode requires them all to be `required`).
 */
export function toGrammarSchema(schema: unknown, path: string, defs?: Record<string, unknown>): GrammarSchema {
  if (schema === true || (isObject(schema) && Object.keys(schema).every((k) => ANNOTATIONS.has(k)))) {
    throw new BadRequest(`${path}: an unconstrained value ({} or true) cannot be decoded by grammar; give it a type.`, 'response_format.json_schema');
  }
  if (!isObject(schema)) throw new BadRequest(`${path} must be a schema object.`, 'response_format.json_schema');
  const out: GrammarSchema = {};
  const refuse = (k: string) => { throw new BadRequest(`${path}.${k} is not supported by grammar-constrained decoding on this server.`, 'response_format.json_schema'); };
  for (const [k, v] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue;
    switch (k) {
      case 'type':
        if (typeof v !== 'string' && !(Array.isArray(v) && v.every((t) => typeof t === 'string'))) refuse(k);
        out.type = v;
        break;
      case 'properties': {
        if (!isObject(v)) refuse(k);
        out.properties = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([p, s]) => [p, toGrammarSchema(s, `${path}.properties.${p}`, defs)]));
        break;
      }
      case 'required':
        // Every property is written; a `required` that leaves some out cannot be honoured as optional.
        break;
      case 'additionalProperties':
        if (v === false) out.additionalProperties = false;
        else if (isObject(v)) out.additionalProperties = toGrammarSchema(v, `${path}.additionalProperties`, defs);
        else refuse(k);
        break;
      case 'items':
        out.items = toGrammarSchema(v, `${path}.items`, defs);
        break;
      case 'prefixItems':
        if (!Array.isArray(v)) refuse(k);
        out.prefixItems = (v as unknown[]).map((s, i) => toGrammarSchema(s, `${path}.prefixItems[${i}]`, defs));
        break;
      case 'minItems': case 'maxItems': case 'minLength': case 'maxLength': case 'minProperties': case 'maxProperties':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) refuse(k);
        out[k] = v;
        break;
      case 'enum':
        if (!Array.isArray(v) || v.length === 0 || !v.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x))) refuse(k);
        out.enum = v;
        break;
      case 'const':
        if (!(v === null || ['string', 'number', 'boolean'].includes(typeof v))) refuse(k);
        out.const = v;
        break;
      case 'anyOf': case 'oneOf':
        if (!Array.isArray(v) || v.length === 0) refuse(k);
        out.oneOf = (v as unknown[]).map((s, i) => toGrammarSchema(s, `${path}.${k}[${i}]`, defs));
        break;
      case 'format':
        if (typeof v !== 'string') refuse(k);
        // Formats the grammar cannot enforce (email, uri…) only describe the string, as in many validators.
        if (STRING_FORMATS.has(v as string)) out.format = v;
        break;
      case '$defs': case 'definitions':
        if (!isObject(v)) refuse(k);
        if (path === 'schema') {
          out.$defs = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([d, s]) => [d, toGrammarSchema(s, `${path}.$defs.${d}`, defs)]));
        }
        break;
      case '$ref': {
        const m = typeof v === 'string' ? v.match(/^#\/(?:\$defs|definitions)\/(.+)$/) : null;
        if (!m || !defs || !(m[1] in defs)) refuse(k);
        out.$ref = `#/$defs/${m![1]}`;
        break;
      }
      default:
        refuse(k);
    }
  }
  if (out.type === undefined && out.enum === undefined && out.const === undefined && out.oneOf === undefined && out.$ref === undefined) {
    if (out.properties) out.type = 'object';
    else if (out.items) out.type = 'array';
    else throw new BadRequest(`${path} has no type.`, 'response_format.json_schema');
  }
  if (out.type === 'object' && out.properties === undefined && out.additionalProperties === undefined) {
    throw new BadRequest(`${path}: an object without properties cannot be decoded by grammar; list its properties.`, 'response_format.json_schema');
  }
  return out;
}
