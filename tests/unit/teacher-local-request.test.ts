/**
 * How `teacher-local` reads an OpenAI chat request (no model needed): what it honours, what it
 * refuses with a 400 that names the field, and how a response_format schema becomes the grammar
 * subset node-llama-cpp decodes by.
 */
import { describe, expect, it } from 'vitest';
import { BadRequest, parseChatRequest, toGrammarSchema } from '../../src/core/teacher/local/request.js';
import { toHistory } from '../../src/core/teacher/local/engine.js';
import { annotationsSchema, attributesSchema, examplesSchema } from '../../src/core/teacher/schema.js';

const user = [{ role: 'user', content: 'hi' }];

function refusal(body: unknown): BadRequest {
  try { parseChatRequest(body); } catch (e) { if (e instanceof BadRequest) return e; throw e; }
  throw new Error('accepted');
}

describe('teacher-local request parsing', () => {
  it('reads sampling fields with OpenAI defaults, max_completion_tokens before max_tokens', () => {
    const r = parseChatRequest({ messages: user });
    expect(r).toMatchObject({ temperature: 1, topP: 1, stop: [], stream: false, responseFormat: { type: 'text' } });
    expect(r.maxTokens).toBeUndefined();
    const s = parseChatRequest({ messages: user, temperature: 0, top_p: 0.9, seed: 7, max_tokens: 50, max_completion_tokens: 40, stop: 'END', stream: true, stream_options: { include_usage: true } });
    expect(s).toMatchObject({ temperature: 0, topP: 0.9, seed: 7, maxTokens: 40, stop: ['END'], stream: true, includeUsage: true });
  });

  it('maps developer to system, joins text parts, and ends the history with the model to write', () => {
    const r = parseChatRequest({ messages: [{ role: 'developer', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] });
    expect(r.messages).toEqual([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'ab' }]);
    expect(toHistory(r)).toEqual([{ type: 'system', text: 'be brief' }, { type: 'user', text: 'ab' }, { type: 'model', response: [] }]);
  });

  it('refuses what it cannot honour, naming the field', () => {
    expect(refusal({}).param).toBe('messages');
    expect(refusal({ messages: [{ role: 'system', content: 'x' }] }).message).toMatch(/at least one user message/);
    expect(refusal({ messages: [{ role: 'tool', content: 'x' }] }).param).toBe('messages[0].role');
    expect(refusal({ messages: user, temperature: 3 }).param).toBe('temperature');
    expect(refusal({ messages: user, max_tokens: 0 }).param).toBe('max_tokens');
    expect(refusal({ messages: user, n: 2 }).param).toBe('n');
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }).message).toMatch(/text only/);
    expect(refusal({ messages: user, response_format: { type: 'xml' } }).param).toBe('response_format.type');
  });

  it('turns every schema the strategies send into a grammar schema, keeping what constrains the output', () => {
    for (const spec of [examplesSchema('generated_examples', ['positive'], 5), annotationsSchema(['a', 'b', 'c'], 10), attributesSchema('a', 8)]) {
      const r = parseChatRequest({ messages: user, response_format: { type: 'json_schema', json_schema: { name: spec.name, schema: spec.schema, strict: true } } });
      expect(r.responseFormat.type).toBe('json_schema');
      const g = (r.responseFormat as { schema: Record<string, any> }).schema;
      expect(g.required).toBeUndefined(); // every property is written anyway
      expect(JSON.stringify(g)).not.toContain('"required"');
    }
    const g = toGrammarSchema(annotationsSchema(['a', 'b'], 3).schema, 'schema') as Record<string, any>;
    expect(g.properties.labels).toMatchObject({ type: 'array', minItems: 3, maxItems: 3 });
    expect(g.properties.labels.items.properties.label.enum).toEqual(['a', 'b']);
    expect(g.additionalProperties).toBe(false);
  });

  it('refuses schema keywords the grammar cannot enforce instead of ignoring them', () => {
    const bad = (schema: unknown) => () => toGrammarSchema(schema, 'schema');
    expect(bad({ type: 'string', pattern: '^a+$' })).toThrow(/pattern is not supported/);
    expect(bad({ type: 'integer', minimum: 3 })).toThrow(/minimum is not supported/);
    expect(bad({})).toThrow(/unconstrained value/);
    expect(bad({ type: 'object' })).toThrow(/without properties/);
    expect(bad({ $ref: '#/$defs/missing' })).toThrow(/\$ref is not supported/);
    // Annotations are dropped, anyOf becomes oneOf, $defs and $ref survive.
    expect(toGrammarSchema({ title: 'T', $defs: { s: { type: 'string' } }, anyOf: [{ $ref: '#/$defs/s' }, { type: 'null' }] }, 'schema', { s: {} }))
      .toEqual({ $defs: { s: { type: 'string' } }, oneOf: [{ $ref: '#/$defs/s' }, { type: 'null' }] });
  });
});

describe('the app preset for teacher-local', () => {
  it('points at the port and the model teacher-local serves by default', async () => {
    const { findPreset, TEACHER_LOCAL } = await import('../../src/core/teacher/presets.js');
    const { DEFAULT_TEACHER } = await import('../../src/core/models/catalog.js');
    const p = findPreset('local')!;
    expect(p).toMatchObject({ needsKey: false, jsonMode: 'schema', defaultModel: DEFAULT_TEACHER.id, baseURL: `http://127.0.0.1:${TEACHER_LOCAL.port}/v1` });
    expect(TEACHER_LOCAL.model).toBe(DEFAULT_TEACHER.id);
    expect(p.note).toContain('npx distillery teacher-local');
  });
});
