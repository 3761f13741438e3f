/**
 * `teacher-local`'s HTTP face: an OpenAI-compatible server on 127.0.0.1 over a LocalEngine.
 * `GET /v1/models`, `POST /v1/chat/completions` (plain JSON or server-sent events), `GET /health`;
 * CORS open to any origin, so the app in the browser can call it (it listens on loopback only).
 * A client that disconnects aborts its generation and frees its sequence.
 *
 * Node only; the browser bundle never imports this file.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { UserError } from '../../errors.js';
import { EngineBusy, type LocalEngine } from './engine.js';
import { BadRequest, parseChatRequest } from './request.js';

export interface TeacherLocalServerOptions {
  engine: LocalEngine;
  /** 0 picks a free port. */
  port?: number;
  /** One line per finished request (tokens, seconds), for --verbose. */
  onRequest?: (line: string) => void;
}

export interface TeacherLocal {
  /** Base URL for clients, ending in /v1. */
  url: string;
  port: number;
  engine: LocalEngine;
  /** Stops listening, aborts the requests in flight, frees the model. */
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;
const CORS = { 'access-control-allow-origin': '*' };

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...CORS, ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, message: string, extra: { type?: string; param?: string; code?: string } = {}, headers: Record<string, string> = {}): void {
  send(res, status, { error: { message, type: extra.type ?? 'invalid_request_error', param: extra.param ?? null, code: extra.code ?? null } }, headers);
}

export async function startTeacherLocal(options: TeacherLocalServerOptions): Promise<TeacherLocal> {
  const { engine } = options;
  const sockets = new Set<Socket>();
  /** Each running chat request's abort, and its promise to wait for on close. */
  const inFlight = new Map<AbortController, Promise<void>>();
  let counter = 0;

  function models() {
    return { object: 'list', data: [{ id: engine.modelId, object: 'model', created: 0, owned_by: 'distillery-teacher-local' }] };
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) throw new BadRequest('The request body is larger than 8 MB.', undefined, 'request_too_large', 413);
      chunks.push(c as Buffer);
    }
    try { return JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch {
      throw new BadRequest('The body is not valid JSON.');
    }
  }

  async function chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseChatRequest(await readBody(req));
    if (body.model !== undefined && body.model !== engine.modelId) {
      return sendError(res, 404, `The model '${body.model}' does not exist here; this server serves '${engine.modelId}'.`, { code: 'model_not_found', param: 'model' });
    }
    const ctl = new AbortController();
    let settle!: () => void;
    inFlight.set(ctl, new Promise<void>((r) => { settle = r; }));
    // The client hung up (timeout, cancel): stop generating for it.
    const onClose = () => { if (!res.writableEnded) ctl.abort(new Error('client disconnected')); };
    res.on('close', onClose);
    const id = `chatcmpl-local-${++counter}`;
    const created = Math.floor(Date.now() / 1000);
    const started = Date.now();
    try {
      if (body.stream) {
        const chunk = (delta: object, finish: string | null) => ({ id, object: 'chat.completion.chunk', created, model: engine.modelId, choices: [{ index: 0, delta, finish_reason: finish }] });
        let opened = false;
        const open = () => {
          if (opened) return;
          opened = true;
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...CORS });
          res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }, null))}\n\n`);
        };
        const answer = await engine.complete(body, { signal: ctl.signal, onText: (t) => { open(); res.write(`data: ${JSON.stringify(chunk({ content: t }, null))}\n\n`); } });
        open();
        res.write(`data: ${JSON.stringify(chunk({}, answer.finishReason))}\n\n`);
        if (body.includeUsage) {
          res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: engine.modelId, choices: [], usage: usage(answer) })}\n\n`);
        }
        res.end('data: [DONE]\n\n');
        logRequest(answer);
        return;
      }
      const answer = await engine.complete(body, { signal: ctl.signal });
      send(res, 200, {
        id, object: 'chat.completion', created, model: engine.modelId, system_fingerprint: null,
        choices: [{ index: 0, message: { role: 'assistant', content: answer.text }, finish_reason: answer.finishReason, logprobs: null }],
        usage: usage(answer),
      });
      logRequest(answer);
    } finally {
      res.off('close', onClose);
      inFlight.delete(ctl);
      settle();
    }

    function logRequest(a: { promptTokens: number; completionTokens: number; finishReason: string }) {
      const s = (Date.now() - started) / 1000;
      options.onRequest?.(`${id}: ${a.promptTokens} prompt + ${a.completionTokens} completion tokens in ${s.toFixed(1)} s (${(a.completionTokens / Math.max(s, 1e-3)).toFixed(1)} tokens/s), ${a.finishReason}`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0].replace(/\/+$/, '');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-max-age': '600' });
      return void res.end();
    }
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) return send(res, 200, models());
    if (req.method === 'GET' && (path === '/health' || path === '/v1/health')) {
      return send(res, 200, { status: 'ok', model: engine.modelId, parallel: engine.parallel, contextSize: engine.contextSize, ...engine.load });
    }
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) return chat(req, res);
    sendError(res, 404, `No route ${req.method} ${path}. This server has GET /v1/models and POST /v1/chat/completions.`, { code: 'not_found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (e instanceof BadRequest) return sendError(res, e.status, e.message, { param: e.param, code: e.code });
      if (e instanceof EngineBusy) return sendError(res, 429, 'The local model is busy; try again shortly.', { type: 'rate_limit_error', code: 'busy' }, { 'retry-after': '1' });
      if (res.destroyed || req.destroyed) return; // the client left; nothing to answer
      const message = (e as Error)?.message ?? String(e);
      if (res.headersSent) { res.end(`data: ${JSON.stringify({ error: { message, type: 'server_error' } })}\n\n`); return; }
      sendError(res, 500, message, { type: 'server_error' });
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UserError('port-in-use', `Port ${options.port} on 127.0.0.1 is already in use.`, 'Pick another --port, or 0 for a free one; or stop the server already there.');
    }
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`, port, engine,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const running = [...inFlight.values()];
      for (const c of inFlight.keys()) c.abort(new Error('server shutting down'));
      // The model is freed only after every generation has unwound from its sequence.
      await Promise.allSettled(running);
      for (const s of sockets) s.destroy();
      await closed;
      await engine.close();
    },
  };
}

function usage(a: { promptTokens: number; completionTokens: number }) {
  return { prompt_tokens: a.promptTokens, completion_tokens: a.completionTokens, total_tokens: a.promptTokens + a.completionTokens };
}
