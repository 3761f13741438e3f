/**
 * A GGUF chat model on this computer, through node-llama-cpp (llama.cpp's prebuilt CPU/GPU
 * binaries come in npm packages, so nothing is compiled or downloaded at install or run time).
 *
 * One llama.cpp context holds `parallel` sequences, each with its own `contextSize` tokens of KV
 * cache: up to `parallel` requests decode at once in shared batches, the rest wait in a FIFO
 * queue. A sequence keeps its last prompt's tokens, so the next request on it re-evaluates only
 * what differs (prompts of one job share their long system message and instructions).
 *
 * Node only (native addon); `teacher-local`'s HTTP server (server.ts) is its one user.
 */
import { basename } from 'node:path';
import { availableParallelism } from 'node:os';
import { UserError } from '../../errors.js';
import { BadRequest, type LocalChatRequest, type ResponseFormat } from './request.js';
import type { ChatHistoryItem, Llama, LlamaContext, LlamaContextSequence, LlamaGrammar, LlamaModel, Token } from 'node-llama-cpp';

export interface EngineOptions {
  modelPath: string;
  /** The id clients use (`model` in requests, `/v1/models`). Default: the file name without .gguf. */
  modelId?: string;
  /** Requests decoded at once. Default 2. */
  parallel?: number;
  /** Tokens of context per request (prompt + answer). Default 4096. */
  contextSize?: number;
  /** CPU threads. Default: the physical cores node-llama-cpp finds, at most half the logical ones. */
  threads?: number;
  /** 'auto' uses a GPU when node-llama-cpp finds a usable one (CUDA, Vulkan, Metal); 'cpu' never does. */
  gpu?: 'auto' | 'cpu';
  /**
   * Answer tokens for a request that sets no max_tokens. A small model can loop on one phrase
   * until its context is full; this bounds the time one such answer takes. Default 768.
   */
  defaultMaxTokens?: number;
  /** Requests allowed to wait for a free sequence; more get HTTP 429. Default 64. */
  maxQueue?: number;
  log?: (line: string) => void;
}

export interface EngineAnswer {
  text: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
}

export interface EngineStats {
  requests: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
  /** Requests refused because the queue was full. */
  rejectedBusy: number;
  /** Seconds from the first request to the last answer, and seconds with at least one request running. */
  busySeconds: number;
}

/** Thrown when the queue is full: the server answers 429 with Retry-After. */
export class EngineBusy extends Error {
  constructor() { super('All sequences are busy and the queue is full.'); this.name = 'EngineBusy'; }
}

const GRAMMAR_CACHE = 64;

export class LocalEngine {
  readonly modelId: string;
  readonly parallel: number;
  readonly contextSize: number;
  readonly threads: number;
  readonly gpu: string;
  readonly stats: EngineStats = { requests: 0, failed: 0, promptTokens: 0, completionTokens: 0, rejectedBusy: 0, busySeconds: 0 };
  private readonly free: LlamaContextSequence[];
  private readonly waiting: { resolve: (s: LlamaContextSequence) => void; reject: (e: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private running = 0;
  private busySince = 0;
  private closed = false;

  private constructor(
    private readonly lib: typeof import('node-llama-cpp'),
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    opts: Required<Pick<EngineOptions, 'parallel' | 'maxQueue' | 'defaultMaxTokens'>> & { modelId: string; threads: number },
  ) {
    this.modelId = opts.modelId;
    this.parallel = opts.parallel;
    this.maxQueue = opts.maxQueue;
    this.threads = opts.threads;
    this.defaultMaxTokens = opts.defaultMaxTokens;
    this.contextSize = context.contextSize;
    this.gpu = llama.gpu === false ? 'cpu' : String(llama.gpu);
    this.free = Array.from({ length: opts.parallel }, () => context.getSequence());
  }

  private readonly maxQueue: number;
  readonly defaultMaxTokens: number;

  static async load(opts: EngineOptions): Promise<LocalEngine> {
    const log = opts.log ?? (() => {});
    let lib: typeof import('node-llama-cpp');
    try {
      lib = await import('node-llama-cpp');
    } catch (e) {
      throw new UserError('no-llama', `node-llama-cpp could not be loaded (${(e as Error).message}).`, 'Run npm ci in the project folder; the local teacher needs its prebuilt llama.cpp binary.');
    }
    let llama: Llama;
    try {
      llama = await lib.getLlama({
        gpu: opts.gpu === 'cpu' ? false : 'auto',
        // Never compile or download at run time: the prebuilt binary from npm works, or we say so.
        build: 'never',
        logLevel: lib.LlamaLogLevel.warn,
        logger: (level, message) => {
          const m = message.trim();
          if (m && (level === lib.LlamaLogLevel.error || level === lib.LlamaLogLevel.fatal || level === lib.LlamaLogLevel.warn)) log(`llama.cpp: ${m}`);
        },
      });
    } catch (e) {
      throw new UserError('no-llama', `No usable llama.cpp binary for this machine (${(e as Error).message}).`,
        'node-llama-cpp ships prebuilt binaries for Linux, macOS and Windows on x64 and arm64; reinstall with npm ci, or start another OpenAI-compatible server (llama.cpp, Ollama) and use its preset.');
    }
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: opts.modelPath });
    } catch (e) {
      await llama.dispose();
      throw new UserError('bad-model', `Cannot load ${opts.modelPath} as a GGUF model (${(e as Error).message}).`, 'Pass a .gguf file of a chat (instruction-tuned) model.');
    }
    const parallel = Math.max(1, opts.parallel ?? 2);
    // Spin-waiting threads on a busy machine cost far more than they bring: measured on 2 cores,
    // 2 threads decoded 20 times slower than 1 while another process ran.
    const threads = opts.threads ?? Math.max(1, Math.min(llama.cpuMathCores, Math.floor(availableParallelism() / 2)));
    let context: LlamaContext;
    try {
      context = await model.createContext({
        sequences: parallel,
        contextSize: Math.min(opts.contextSize ?? 4096, model.trainContextSize),
        threads,
      });
    } catch (e) {
      await model.dispose(); await llama.dispose();
      throw new UserError('no-memory', `Could not make room for ${parallel} × ${opts.contextSize ?? 4096} tokens of context (${(e as Error).message}).`, 'Lower --parallel or --ctx.');
    }
    return new LocalEngine(lib, llama, model, context, {
      parallel, maxQueue: opts.maxQueue ?? 64, threads, defaultMaxTokens: opts.defaultMaxTokens ?? 768,
      modelId: opts.modelId ?? basename(opts.modelPath).replace(/\.gguf$/i, ''),
    });
  }

  /** Requests running now and waiting. */
  get load(): { running: number; waiting: number } { return { running: this.running, waiting: this.waiting.length }; }

  private acquire(signal?: AbortSignal): Promise<LlamaContextSequence> {
    const s = this.free.pop();
    if (s) return Promise.resolve(s);
    if (this.waiting.length >= this.maxQueue) { this.stats.rejectedBusy++; return Promise.reject(new EngineBusy()); }
    return new Promise((resolve, reject) => {
      const w: (typeof this.waiting)[number] = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.waiting.indexOf(w);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal.reason ?? new Error('aborted'));
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiting.push(w);
    });
  }

  private release(s: LlamaContextSequence): void {
    const w = this.waiting.shift();
    if (w) {
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      w.resolve(s);
    } else this.free.push(s);
  }

  private grammarFor(format: ResponseFormat): Promise<LlamaGrammar> | undefined {
    if (format.type === 'text') return undefined;
    const key = format.type === 'json_object' ? 'json' : JSON.stringify(format.schema);
    let g = this.grammars.get(key);
    if (!g) {
      g = format.type === 'json_object'
        ? this.llama.getGrammarFor('json')
        : this.llama.createGrammarForJsonSchema(format.schema as never) as Promise<LlamaGrammar>;
      g.catch(() => this.grammars.delete(key));
      if (this.grammars.size >= GRAMMAR_CACHE) this.grammars.delete(this.grammars.keys().next().value!);
      this.grammars.set(key, g);
    }
    return g;
  }

  /**
   * One chat completion. `onText` receives the answer as it is generated (streaming). Throws
   * BadRequest for what the client must change, EngineBusy when the queue is full, and the
   * signal's reason when the client went away.
   */
  async complete(req: LocalChatRequest, opts: { signal?: AbortSignal; onText?: (chunk: string) => void } = {}): Promise<EngineAnswer> {
    if (this.closed) throw new EngineBusy();
    let grammar: LlamaGrammar | undefined;
    try {
      grammar = await this.grammarFor(req.responseFormat);
    } catch (e) {
      throw new BadRequest(`response_format.json_schema could not be turned into a grammar: ${(e as Error).message}`, 'response_format');
    }
    const history = toHistory(req);
    const sequence = await this.acquire(opts.signal);
    if (this.running++ === 0) this.busySince = Date.now();
    this.stats.requests++;
    const chat = new this.lib.LlamaChat({ contextSequence: sequence });
    try {
      const promptTokens = chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(this.model.tokenizer).length;
      const room = this.contextSize - promptTokens;
      if (room < 1) {
        throw new BadRequest(`The prompt is ${promptTokens} tokens; this server gives each request ${this.contextSize} tokens of context in all.`,
          'messages', 'context_length_exceeded');
      }
      let completionTokens = 0;
      const res = await chat.generateResponse(history, {
        signal: opts.signal,
        // Never shift the context: a prompt that does not fit is refused above, and the answer
        // stops at the end of the context with finish_reason 'length'.
        maxTokens: Math.min(req.maxTokens ?? this.defaultMaxTokens, room),
        temperature: req.temperature,
        topP: req.topP,
        ...(req.seed !== undefined ? { seed: req.seed } : {}),
        ...(grammar ? { grammar } : {}),
        ...(req.stop.length ? { customStopTriggers: req.stop } : {}),
        repeatPenalty: req.frequencyPenalty || req.presencePenalty
          ? { penalty: 1, frequencyPenalty: req.frequencyPenalty, presencePenalty: req.presencePenalty }
          : false,
        onToken: (t: Token[]) => { completionTokens += t.length; },
        ...(opts.onText ? { onTextChunk: opts.onText } : {}),
      });
      this.stats.promptTokens += promptTokens;
      this.stats.completionTokens += completionTokens;
      return {
        text: res.response,
        finishReason: res.metadata.stopReason === 'maxTokens' ? 'length' : 'stop',
        promptTokens, completionTokens,
      };
    } catch (e) {
      this.stats.failed++;
      throw e;
    } finally {
      chat.dispose({ disposeSequence: false });
      if (--this.running === 0) this.stats.busySeconds += (Date.now() - this.busySince) / 1000;
      this.release(sequence);
    }
  }

  /** Refuses waiting requests, then frees the model. Requests running now are aborted by their signals. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new EngineBusy());
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}

/** OpenAI messages as node-llama-cpp's chat history, ending with the model's turn to write. */
export function toHistory(req: Pick<LocalChatRequest, 'messages'>): ChatHistoryItem[] {
  const out: ChatHistoryItem[] = req.messages.map((m): ChatHistoryItem =>
    m.role === 'system' ? { type: 'system', text: m.content }
      : m.role === 'user' ? { type: 'user', text: m.content }
        : { type: 'model', response: [m.content] });
  // A trailing assistant message is a new turn in OpenAI's API, not a prefix to continue.
  out.push({ type: 'model', response: [] });
  return out;
}
