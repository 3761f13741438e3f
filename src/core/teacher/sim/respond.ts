/**
 * The simulated teacher's brain, without any networking: it reads an OpenAI chat-completions
 * request the way a model would read our prompts and answers from a pool of real labeled texts.
 *
 * It understands the prompts `../strategies` send: the task comes from the JSON schema (its name
 * and the label enum and item count in it), carried in `response_format` or, for servers without
 * structured outputs, in the <json_schema> block of the prompt; user texts come from the prompt's
 * <text>/<example> tags. A generation request gets unused pool texts of the asked label, an
 * annotation request the pool's label of each text (with optional noise), an extrapolation request
 * the unused pool texts most similar to the reference, an attribute request the label's typical words.
 * Results obtained with it measure the pipeline, not a language model.
 */
import { drawFault, type FaultKind, type FaultRates } from './faults.js';
import { Pool, rng, type PoolItem } from './pool.js';

export interface SimOptions {
  pool: PoolItem[];
  faults?: FaultRates;
  /** Faults for the first chat requests, in order (null: none); the rates apply after. For tests. */
  faultSchedule?: (FaultKind | null)[];
  /** Rate at which an annotation answer gets a wrong label. */
  noise?: number;
  seed?: number;
  /** Retry-After sent with 429s. Default 1000 ms. */
  retryAfterMs?: number;
  /** Leave `usage` out of answers (some servers do), to exercise token estimates. */
  omitUsage?: boolean;
  model?: string;
  /** Answer 400 to `response_format: json_schema`, like servers without structured outputs. */
  noResponseFormat?: boolean;
  /** Called once per label when its last unused pool text is handed out (the CLI says so on stderr). */
  onExhausted?: (label: string, handedOut: number) => void;
}

export type SimReply =
  | { kind: 'json'; status: number; headers?: Record<string, string>; body: unknown }
  | { kind: 'sse'; events: unknown[] }
  | { kind: 'hang' };

interface Task { name: string; label?: string; count: number; labels: string[] }

const unquote = (s: string): string | undefined => { try { const v = JSON.parse(s); return typeof v === 'string' ? v : undefined; } catch { return undefined; } };

export class TeacherSimCore {
  readonly pool: Pool;
  readonly model: string;
  private readonly random: () => number;
  /** Pool indexes not served yet, per label, in a shuffled order. */
  private readonly unused = new Map<string, number[]>();
  private readonly usedSet = new Set<number>();
  private lastServed: PoolItem[] = [];
  private counter = 0;
  /**
   * requests: chat requests answered; abandoned: requests whose client went away before the answer
   * was due (they take nothing from the pool); exhausted: labels whose pool is used up, in order.
   */
  readonly stats = { requests: 0, abandoned: 0, faults: {} as Partial<Record<FaultKind, number>>, exhausted: [] as string[] };

  constructor(private readonly opts: SimOptions) {
    this.pool = new Pool(opts.pool);
    this.model = opts.model ?? 'teacher-sim';
    this.random = rng(opts.seed ?? 1);
    for (const label of this.pool.labels) {
      const idx = this.pool.items.map((it, i) => (it.label === label ? i : -1)).filter((i) => i >= 0);
      for (let i = idx.length - 1; i > 0; i--) { const j = Math.floor(this.random() * (i + 1)); [idx[i], idx[j]] = [idx[j], idx[i]]; }
      this.unused.set(label, idx);
    }
  }

  /** Changes the fault rates from the next request on: an outage and its end, for tests. */
  setFaults(faults: FaultRates): void {
    this.opts.faults = faults;
  }

  models(): SimReply {
    return { kind: 'json', status: 200, body: { object: 'list', data: [{ id: this.model, object: 'model', created: 0, owned_by: 'distillery' }] } };
  }

  chat(body: unknown): SimReply {
    this.stats.requests++;
    const req = body as { messages?: { role: string; content: unknown }[]; response_format?: { type?: string; json_schema?: { name?: string; schema?: unknown } }; stream?: boolean; stream_options?: { include_usage?: boolean } } | null;
    if (!req || !Array.isArray(req.messages) || req.messages.length === 0) return error(400, 'messages is required');
    if (this.opts.noResponseFormat && req.response_format?.type === 'json_schema') {
      return error(400, "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.");
    }
    const prompt = req.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
    const scheduled = this.opts.faultSchedule?.[this.stats.requests - 1];
    const fault = scheduled !== undefined ? scheduled ?? undefined : drawFault(this.opts.faults ?? {}, this.random);
    if (fault) this.stats.faults[fault] = (this.stats.faults[fault] ?? 0) + 1;
    if (fault === '429') {
      const ms = this.opts.retryAfterMs ?? 1000;
      return { ...error(429, 'Rate limit reached, slow down.'), headers: { 'retry-after': String(Math.ceil(ms / 1000)), 'retry-after-ms': String(ms) } };
    }
    if (fault === '500') return error(500, 'The server had an error while processing your request.');
    if (fault === 'hang') return { kind: 'hang' };

    const task = readTask(req.response_format?.json_schema, prompt);
    let content: string;
    if (!task) content = 'I can help with that! Could you tell me what format you want?';
    else content = JSON.stringify(this.answer(task, prompt, fault));
    let finish = 'stop';
    if (fault === 'malformed') content = 'Sure! Here is the JSON you asked for:\n{"examples": [{"text": "great', finish = 'stop';
    if (fault === 'truncated') content = content.slice(0, Math.max(1, Math.floor(content.length / 2))), finish = 'length';

    const usage = { prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: Math.ceil(content.length / 4), total_tokens: 0 };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const id = `chatcmpl-sim-${++this.counter}`;
    const created = Math.floor(Date.now() / 1000);
    if (req.stream) {
      const chunk = (delta: object, finish_reason: string | null) => ({ id, object: 'chat.completion.chunk', created, model: this.model, choices: [{ index: 0, delta, finish_reason }] });
      const third = Math.ceil(content.length / 3);
      const events: unknown[] = [chunk({ role: 'assistant', content: '' }, null)];
      for (let i = 0; i < content.length; i += third) events.push(chunk({ content: content.slice(i, i + third) }, null));
      events.push(chunk({}, finish));
      if (req.stream_options?.include_usage && !this.opts.omitUsage) events.push({ id, object: 'chat.completion.chunk', created, model: this.model, choices: [], usage });
      return { kind: 'sse', events };
    }
    return {
      kind: 'json', status: 200, body: {
        id, object: 'chat.completion', created, model: this.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finish, logprobs: null }],
        ...(this.opts.omitUsage ? {} : { usage }),
      },
    };
  }

  /** A request the client gave up on before its answer was due: it is counted and takes nothing. */
  abandon(): void {
    this.stats.abandoned++;
  }

  /**
   * Each pool text is handed out once for the sim's whole lifetime, across clients and runs (a
   * real model does not repeat itself either, and the tests count on unique texts): a sim reused
   * for a second run has fewer texts to give, and says which label ran out (`stats.exhausted`).
   */
  private take(label: string, count: number, order?: number[]): PoolItem[] {
    const queue = this.unused.get(label) ?? [];
    const picked: number[] = [];
    for (const i of order ?? queue) {
      if (picked.length >= count) break;
      if (this.usedSet.has(i) || this.pool.items[i].label !== label) continue;
      picked.push(i);
    }
    for (const i of picked) this.usedSet.add(i);
    this.noteUsed(label);
    return picked.map((i) => this.pool.items[i]);
  }

  /** Drops used texts from `label`'s queue and records the moment it runs dry. */
  private noteUsed(label: string): void {
    const left = (this.unused.get(label) ?? []).filter((i) => !this.usedSet.has(i));
    this.unused.set(label, left);
    if (left.length === 0 && this.pool.labels.includes(label) && !this.stats.exhausted.includes(label)) {
      this.stats.exhausted.push(label);
      this.opts.onExhausted?.(label, this.pool.items.filter((it) => it.label === label).length);
    }
  }

  private answer(task: Task, prompt: string, fault: FaultKind | undefined): unknown {
    // Texts shown as examples are "known" to the model; a real one would not echo them either.
    for (const m of prompt.matchAll(/<example label=("(?:[^"\\]|\\.)*")>("(?:[^"\\]|\\.)*")<\/example>/g)) {
      const text = unquote(m[2]);
      const i = text === undefined ? undefined : this.pool.find(text);
      if (i !== undefined) this.usedSet.add(i);
    }
    const other = (label: string) => { const o = task.labels.length > 1 ? task.labels : this.pool.labels; const c = o.filter((l) => l !== label); return c[Math.floor(this.random() * c.length)] ?? label; };
    if (task.name === 'annotations') {
      const items = [...prompt.matchAll(/<text id="(\d+)">("(?:[^"\\]|\\.)*")<\/text>/g)].map((m) => {
        const text = unquote(m[2]) ?? '';
        const hit = this.pool.find(text) ?? this.pool.similar(text, undefined, 1)[0];
        let label = hit !== undefined ? this.pool.items[hit].label : task.labels[0];
        if (this.random() < (this.opts.noise ?? 0) || fault === 'offlabel') label = fault === 'offlabel' ? 'not-a-label' : other(label);
        return { id: Number(m[1]), label };
      });
      return { labels: items };
    }
    if (task.name === 'label_attributes') {
      const label = task.label ?? task.labels[0];
      return { label, attributes: this.pool.typicalWords(label, task.count).map((w) => `uses words like "${w}"`) };
    }
    const label = task.label ?? task.labels[0];
    let items: PoolItem[];
    if (fault === 'duplicate' && this.lastServed.length > 0) items = this.lastServed.slice(0, task.count);
    else if (task.name === 'similar_examples') {
      const ref = prompt.match(/<example label=("(?:[^"\\]|\\.)*")>("(?:[^"\\]|\\.)*")<\/example>/);
      const refText = ref ? unquote(ref[2]) ?? '' : '';
      items = this.take(label, task.count, this.pool.similar(refText, label, 200));
      if (items.length < task.count) items.push(...this.take(label, task.count - items.length));
    } else items = this.take(label, task.count);
    if (items.length) this.lastServed = items;
    return {
      examples: items.map((it, i) => ({ text: it.text, label: fault === 'offlabel' && i === 0 ? other(label) : label })),
    };
  }
}

function error(status: number, message: string): SimReply & { kind: 'json' } {
  const type = status === 429 ? 'rate_limit_error' : status < 500 ? 'invalid_request_error' : 'server_error';
  return { kind: 'json', status, body: { error: { message, type, code: null } } };
}

/** The task of a request, from `response_format` or the prompt's <json_schema> block. */
function readTask(format: { name?: string; schema?: unknown } | undefined, prompt: string): Task | undefined {
  let name = format?.name;
  let schema = format?.schema as Record<string, any> | undefined;
  if (!schema) {
    const m = prompt.match(/\(name: ([\w-]+)\):\s*<json_schema>([\s\S]*?)<\/json_schema>/);
    if (!m) return undefined;
    name = m[1];
    try { schema = JSON.parse(m[2]); } catch { return undefined; }
  }
  const props = schema?.properties ?? {};
  if (name === 'annotations') {
    return { name, count: Number(props.labels?.maxItems ?? 0), labels: props.labels?.items?.properties?.label?.enum ?? [] };
  }
  if (name === 'label_attributes') {
    return { name, label: props.label?.enum?.[0], count: Number(props.attributes?.maxItems ?? 5), labels: props.label?.enum ?? [] };
  }
  if (name === 'generated_examples' || name === 'similar_examples') {
    const labels: string[] = props.examples?.items?.properties?.label?.enum ?? [];
    return { name, label: labels[0], count: Number(props.examples?.maxItems ?? 5), labels };
  }
  return undefined;
}
