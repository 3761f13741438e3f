/**
 * `distillery teacher-local`: a real LLM as the teacher, on this computer, no key. An
 * OpenAI-compatible server on 127.0.0.1 over a GGUF chat model run by llama.cpp (node-llama-cpp),
 * for the app (its "Local model on this computer" preset), `distillery synth`, tests and benchmarks.
 * Without --model it serves the catalog's small default teacher that `npm run models -- --teacher`
 * installs.
 */
import { open } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../core/errors.js';
import { DEFAULT_TEACHER, totalBytes } from '../../core/models/catalog.js';
import { isInstalled, modelDir } from '../../core/models/fetch-node.js';
import { LocalEngine } from '../../core/teacher/local/engine.js';
import { startTeacherLocal } from '../../core/teacher/local/server.js';
import { TEACHER_LOCAL } from '../../core/teacher/presets.js';
import { intOption, parseCommandArgs, printSummary } from '../args.js';

// The app's "Local model on this computer" preset points at this port and model.
const DEFAULT_PORT = TEACHER_LOCAL.port;

export const usage = `Usage: distillery teacher-local [--model FILE.gguf] [--port P] [--parallel N] [--ctx C] [options]

Serves a GGUF chat model from this computer as an OpenAI-compatible teacher on 127.0.0.1
(GET /v1/models, POST /v1/chat/completions with temperature, top_p, seed, max_tokens, stop,
stream and response_format json_schema, which is enforced by grammar-constrained decoding).
Ctrl-C stops it. Without --model it serves ${DEFAULT_TEACHER.id}; install it first with
  npm run models -- --teacher

Options:
  --model FILE.gguf   a GGUF chat (instruction-tuned) model (default: ${DEFAULT_TEACHER.id})
  --port P            port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks a free one)
  --parallel N        requests decoded at once, each in its own sequence (default 2)
  --ctx C             tokens of context per request, prompt and answer together (default 4096)
  --max-tokens M      answer tokens for requests that set no max_tokens (default 768): bounds
                      how long a small model that loops on one phrase can run
  --threads T         CPU threads (default: physical cores, at most half the logical ones)
  --gpu MODE          auto (use a GPU when one is usable, default) or cpu
  --verbose           one line per request: tokens, seconds, tokens/s`;

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

async function defaultModelPath(): Promise<string> {
  const entry = DEFAULT_TEACHER;
  const file = entry.files.find((f) => f.path.endsWith('.gguf'))!;
  const path = join(modelDir(entry, ROOT), file.path);
  if (!(await isInstalled(entry, ROOT))) {
    throw new UserError('no-model',
      `The default local teacher, ${entry.description}, is not installed (looked for ${relative(process.cwd(), path) || path}).`,
      `Fetch it with: npm run models -- --teacher   (or serve another model with --model FILE.gguf).`);
  }
  return path;
}

/** A GGUF file starts with the bytes "GGUF"; anything else gets a clear message before llama.cpp sees it. */
async function checkGguf(path: string): Promise<void> {
  let fh;
  try { fh = await open(path, 'r'); } catch (e) {
    throw new UserError('no-file', `Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, 'Check the path to the .gguf file.');
  }
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead < 4 || buffer.toString('latin1') !== 'GGUF') {
      throw new UserError('bad-model', `${path} is not a GGUF model file.`, 'Pass a .gguf file (llama.cpp format), e.g. one from npm run models -- --teacher.');
    }
  } finally {
    await fh.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    model: { type: 'string' }, port: { type: 'string' }, parallel: { type: 'string' }, ctx: { type: 'string' },
    threads: { type: 'string' }, 'max-tokens': { type: 'string' }, gpu: { type: 'string' }, verbose: { type: 'boolean' },
  }, usage);
  const port = intOption(v.port, '--port', DEFAULT_PORT, 0);
  if (port > 65535) throw new UserError('bad-arguments', `--port must be at most 65535, not ${port}.`);
  const parallel = intOption(v.parallel, '--parallel', 2, 1);
  if (parallel > 64) throw new UserError('bad-arguments', `--parallel must be at most 64, not ${parallel}.`);
  const contextSize = intOption(v.ctx, '--ctx', 4096, 256);
  const defaultMaxTokens = intOption(v['max-tokens'], '--max-tokens', 768, 1);
  const threads = v.threads !== undefined ? intOption(v.threads, '--threads', 1, 1) : undefined;
  const gpu = v.gpu ?? 'auto';
  if (gpu !== 'auto' && gpu !== 'cpu') throw new UserError('bad-arguments', `--gpu must be auto or cpu, not '${gpu}'.`);

  const modelPath = v.model ?? await defaultModelPath();
  await checkGguf(modelPath);
  const log = (line: string) => console.error(`teacher-local: ${line}`);
  const t0 = Date.now();
  const engine = await LocalEngine.load({
    modelPath, modelId: v.model ? undefined : DEFAULT_TEACHER.id, parallel, contextSize, threads, gpu, log, defaultMaxTokens,
  });
  let server;
  try {
    server = await startTeacherLocal({ engine, port, onRequest: v.verbose ? log : undefined });
  } catch (e) {
    await engine.close();
    throw e;
  }
  log(`${engine.modelId} loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${parallel} parallel sequence${parallel > 1 ? 's' : ''} of ${engine.contextSize} tokens, ${engine.threads} thread${engine.threads > 1 ? 's' : ''}, ${engine.gpu === 'cpu' ? 'CPU' : `GPU (${engine.gpu})`}. Ctrl-C stops it.`);
  if (!v.model) log(`${DEFAULT_TEACHER.id} is a tiny model (${(totalBytes(DEFAULT_TEACHER) / 1e6).toFixed(0)} MB): fine for trying the app offline, far below a large hosted LLM as a teacher.`);
  console.log(`teacher-local listening on ${server.url} (model ${engine.modelId})`);

  await new Promise<void>((resolve) => {
    const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log('stopping: ending the requests in flight and freeing the model…');
  await server.close();
  const s = engine.stats;
  printSummary({
    requests: s.requests, failed: s.failed, rejectedBusy: s.rejectedBusy, promptTokens: s.promptTokens, completionTokens: s.completionTokens,
    busySeconds: Math.round(s.busySeconds * 100) / 100,
    completionTokensPerSecond: s.busySeconds > 0 ? Math.round((s.completionTokens / s.busySeconds) * 10) / 10 : 0,
  });
  return 0;
}
