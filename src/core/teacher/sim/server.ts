/**
 * The simulated teacher over HTTP (Node only; the browser bundle never imports this file):
 * an OpenAI-compatible server on 127.0.0.1 with `GET /v1/models` and `POST /v1/chat/completions`,
 * plain JSON or server-sent events. Used by `distillery teacher-sim`, the tests and the benchmark.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { TeacherSimCore, type SimOptions } from './respond.js';

export interface TeacherSimServerOptions extends SimOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Serve this sim instead of a new one: a server restarted on its port keeps the pool's state (tests of an outage). */
  core?: TeacherSimCore;
  /** Added before every answer (and to every hang check), like a model's generation time. */
  latencyMs?: number;
}

export interface TeacherSim {
  /** Base URL for clients, ending in /v1. */
  url: string;
  port: number;
  core: TeacherSimCore;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

export async function startTeacherSim(options: TeacherSimServerOptions): Promise<TeacherSim> {
  const core = options.core ?? new TeacherSimCore(options);
  const latency = Math.max(0, options.latencyMs ?? 0);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const delay = (ms: number) => new Promise<void>((r) => { const t = setTimeout(() => { timers.delete(t); r(); }, ms); timers.add(t); });

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*', ...headers });
    res.end(JSON.stringify(body));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0].replace(/\/+$/, '');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET, POST, OPTIONS' });
      return void res.end();
    }
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      const r = core.models();
      if (r.kind === 'json') send(res, r.status, r.body);
      return;
    }
    if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/chat/completions')) {
      return send(res, 404, { error: { message: `No route ${req.method} ${path}`, type: 'invalid_request_error' } });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) return send(res, 413, { error: { message: 'Request body too large', type: 'invalid_request_error' } });
      chunks.push(c as Buffer);
    }
    let body: unknown;
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch {
      return send(res, 400, { error: { message: 'The body is not valid JSON', type: 'invalid_request_error' } });
    }
    // The answer is made when it is due, as a model's is when it finishes generating: a request
    // the client gave up on meanwhile (a paused run aborts those in flight) takes no pool texts,
    // which it would otherwise use up without anyone seeing them.
    let gone = false;
    res.once('close', () => { gone = true; });
    if (latency) await delay(latency);
    if (gone || res.destroyed || req.socket.destroyed) return void core.abandon();
    const reply = core.chat(body);
    if (reply.kind === 'hang') return; // the socket stays open until the client gives up or we close
    if (reply.kind === 'json') return send(res, reply.status, reply.body, reply.headers);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'access-control-allow-origin': '*' });
    for (const e of reply.events) res.write(`data: ${JSON.stringify(e)}\n\n`);
    res.end('data: [DONE]\n\n');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => send(res, 500, { error: { message: String((e as Error)?.message ?? e), type: 'server_error' } }));
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`, port, core,
    close: () => new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
