/**
 * The JSON the teacher must return, as JSON schemas (sent as `response_format` or in the prompt),
 * and the parsers that read answers without trusting their shape: every field is checked, and
 * items that fail are counted by reason instead of crashing or slipping through.
 */
import { TeacherError, type ChatAnswer, type JsonSchemaSpec } from './client.js';

/** The schema names double as the task marker the simulated teacher reads. */
export const SCHEMA_NAMES = {
  examples: 'generated_examples',
  similar: 'similar_examples',
  annotations: 'annotations',
  attributes: 'label_attributes',
} as const;

export function examplesSchema(name: string, labels: string[], count: number): JsonSchemaSpec {
  return {
    name,
    schema: {
      type: 'object',
      properties: {
        examples: {
          type: 'array', minItems: count, maxItems: count,
          items: {
            type: 'object',
            properties: { text: { type: 'string' }, label: { type: 'string', enum: labels } },
            required: ['text', 'label'], additionalProperties: false,
          },
        },
      },
      required: ['examples'], additionalProperties: false,
    },
  };
}

export function annotationsSchema(labels: string[], count: number): JsonSchemaSpec {
  return {
    name: SCHEMA_NAMES.annotations,
    schema: {
      type: 'object',
      properties: {
        labels: {
          type: 'array', minItems: count, maxItems: count,
          items: {
            type: 'object',
            properties: { id: { type: 'integer' }, label: { type: 'string', enum: labels } },
            required: ['id', 'label'], additionalProperties: false,
          },
        },
      },
      required: ['labels'], additionalProperties: false,
    },
  };
}

export function attributesSchema(label: string, count: number): JsonSchemaSpec {
  return {
    name: SCHEMA_NAMES.attributes,
    schema: {
      type: 'object',
      properties: {
        label: { type: 'string', enum: [label] },
        attributes: { type: 'array', minItems: count, maxItems: count, items: { type: 'string' } },
      },
      required: ['label', 'attributes'], additionalProperties: false,
    },
  };
}

/**
 * The JSON object in an answer: the whole text, or the first `{…}` span when a model wrapped it
 * in prose or a code fence. Throws `truncated` when the model stopped on its length limit and
 * `malformed` otherwise.
 */
export function parseJsonObject(answer: ChatAnswer): Record<string, unknown> {
  const text = answer.text.trim();
  const tryParse = (s: string): unknown => { try { return JSON.parse(s); } catch { return undefined; } };
  let value = tryParse(text);
  if (value === undefined) {
    const start = text.indexOf('{'), end = text.lastIndexOf('}');
    if (start >= 0 && end > start) value = tryParse(text.slice(start, end + 1));
  }
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (answer.finishReason === 'length') throw new TeacherError('truncated', 'The answer was cut off at the length limit.');
    if (value === undefined && /^\s*[[{]/.test(text) && !/[\]}]\s*$/.test(text)) throw new TeacherError('truncated', 'The answer broke off mid-JSON.');
    throw new TeacherError('malformed', `The answer is not a JSON object: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return value as Record<string, unknown>;
}

/** An array field of the answer, or a `malformed` failure. */
export function arrayField(obj: Record<string, unknown>, field: string): unknown[] {
  const v = obj[field];
  if (!Array.isArray(v)) throw new TeacherError('malformed', `The answer has no "${field}" array.`);
  return v;
}

export interface RawItem { text: string; label: string }

/** Items with a string text and label; the rest are counted as malformed. */
export function readExampleItems(items: unknown[]): { items: RawItem[]; malformed: number } {
  const out: RawItem[] = [];
  let malformed = 0;
  for (const it of items) {
    const o = it as Record<string, unknown> | null;
    if (o && typeof o === 'object' && typeof o.text === 'string' && (typeof o.label === 'string' || typeof o.label === 'number')) {
      out.push({ text: o.text, label: String(o.label) });
    } else malformed++;
  }
  return { items: out, malformed };
}

/**
 * The complete `{"text": …, "label": …}` objects at the start of an answer that was cut off (long
 * texts hit a server's output limit): keeping them beats asking again for the same long answer.
 */
export function salvageExampleItems(text: string): { text: string; label: string }[] {
  const out: { text: string; label: string }[] = [];
  const re = /\{\s*"text"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*"label"\s*:\s*("(?:[^"\\]|\\.)*")\s*\}/g;
  for (const m of text.matchAll(re)) {
    try { out.push({ text: JSON.parse(m[1]), label: JSON.parse(m[2]) }); } catch { /* a broken escape: skip the item */ }
  }
  return out;
}
