/**
 * Known OpenAI-compatible servers. A preset fills the base URL and says what the server is known to
 * support, so the user only types a model name (and a key where one is needed).
 */
export type JsonMode = 'schema' | 'text';

export interface TeacherPreset {
  id: string;
  name: string;
  baseURL: string;
  /** Whether the server wants an API key (local servers accept any string). */
  needsKey: boolean;
  /** `schema`: `response_format: {type: 'json_schema'}` works; `text`: ask for JSON in the prompt. */
  jsonMode: JsonMode;
  /** A sensible concurrency for this kind of server (local servers serialise on one GPU). */
  concurrency: number;
  /** Where to look when something does not work. */
  note: string;
  /** The model to fill in when the server serves one known model. */
  defaultModel?: string;
  /**
   * How this server lets a web page call it (CORS), for local servers that need it switched on;
   * absent for hosted APIs, which accept browser requests.
   */
  cors?: string;
}

/** `distillery teacher-local`'s default port and model (src/cli/commands/teacher-local.ts). */
export const TEACHER_LOCAL = { port: 8788, model: 'SmolLM2-135M-Instruct' } as const;

export const TEACHER_PRESETS: readonly TeacherPreset[] = [
  { id: 'openai', name: 'OpenAI', baseURL: 'https://api.openai.com/v1', needsKey: true, jsonMode: 'schema', concurrency: 8,
    note: 'Structured outputs need a model that supports json_schema (gpt-4o-mini and newer).' },
  { id: 'openrouter', name: 'OpenRouter', baseURL: 'https://openrouter.ai/api/v1', needsKey: true, jsonMode: 'schema', concurrency: 8,
    note: 'Not every routed model supports response_format; the client falls back to JSON in the text when one refuses.' },
  { id: 'ollama', name: 'Ollama', baseURL: 'http://127.0.0.1:11434/v1', needsKey: false, jsonMode: 'schema', concurrency: 2,
    note: 'Start it with OLLAMA_ORIGINS=* for use from the browser; set OLLAMA_NUM_PARALLEL for more than one request at a time.',
    cors: 'start Ollama with OLLAMA_ORIGINS=* (or this page\'s address)' },
  { id: 'vllm', name: 'vLLM', baseURL: 'http://127.0.0.1:8000/v1', needsKey: false, jsonMode: 'schema', concurrency: 16,
    note: 'vllm serve MODEL; add --allowed-origins \'["*"]\' for use from the browser.',
    cors: 'start vLLM with --allowed-origins \'["*"]\'' },
  { id: 'llamacpp', name: 'llama.cpp server', baseURL: 'http://127.0.0.1:8080/v1', needsKey: false, jsonMode: 'schema', concurrency: 2,
    note: 'llama-server -m MODEL.gguf; use --parallel N for concurrent requests.',
    cors: 'llama-server allows it by default, so check the address and port it prints when it starts' },
  { id: 'local', name: 'Local model on this computer (no key)', baseURL: `http://127.0.0.1:${TEACHER_LOCAL.port}/v1`, needsKey: false, jsonMode: 'schema', concurrency: 2,
    defaultModel: TEACHER_LOCAL.model,
    note: 'Start it in a terminal in the Distillery folder: npm run models -- --teacher (once), then npx distillery teacher-local. A tiny model that runs on the CPU: good for trying the app with no account, far weaker than a large hosted model.',
    cors: 'npx distillery teacher-local allows it, so check that it is started in a terminal and listens on the port in the address' },
  { id: 'lmstudio', name: 'LM Studio', baseURL: 'http://127.0.0.1:1234/v1', needsKey: false, jsonMode: 'schema', concurrency: 2,
    note: 'Start the local server in the Developer tab and enable CORS for use from the browser.',
    cors: 'switch on "Enable CORS" in the server settings of LM Studio\'s Developer tab' },
];

export function findPreset(id: string): TeacherPreset | undefined {
  return TEACHER_PRESETS.find((p) => p.id === id);
}
