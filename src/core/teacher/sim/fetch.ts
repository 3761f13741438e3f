/**
 * The simulated teacher without a server: a `fetch` that hands OpenAI requests straight to a
 * TeacherSimCore. Pass it as `TeacherClient({ fetch })` for an offline demo in the browser (a Web
 * Worker cannot open a port) or for fast tests. Same answers and faults as the HTTP server.
 */
import type { TeacherSimCore } from './respond.js';

export function simFetch(core: TeacherSimCore, latencyMs = 0): typeof fetch {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const path = url.pathname.replace(/\/+$/, '');
    const signal = init?.signal ?? undefined;
    const method = (init?.method ?? 'GET').toUpperCase();
    // As the server: a request given up on before its answer was due takes nothing from the pool.
    const chat = method === 'POST' && path.endsWith('/chat/completions');
    if (latencyMs > 0) await wait(latencyMs, signal).catch((e) => { if (chat) core.abandon(); throw e; });
    if (method === 'GET' && path.endsWith('/models')) return json(200, (core.models() as { body: unknown }).body);
    if (method !== 'POST' || !path.endsWith('/chat/completions')) return json(404, { error: { message: `No route ${method} ${path}` } });
    let body: unknown;
    try { body = JSON.parse(typeof init?.body === 'string' ? init.body : new TextDecoder().decode(init?.body as ArrayBuffer)); } catch {
      return json(400, { error: { message: 'The body is not valid JSON' } });
    }
    const reply = core.chat(body);
    if (reply.kind === 'hang') {
      // Like a server that never answers: only the client's timeout or cancel ends it.
      return new Promise<Response>((_, reject) => {
        const fail = () => reject(signal?.reason ?? new DOMException('The operation was aborted.', 'AbortError'));
        if (signal?.aborted) fail(); else signal?.addEventListener('abort', fail, { once: true });
      });
    }
    if (reply.kind === 'json') return json(reply.status, reply.body, reply.headers);
    const text = reply.events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n';
    return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason); }, { once: true });
  });
}
