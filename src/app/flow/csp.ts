/**
 * The page's Content-Security-Policy: connections go only to the app itself and to the teacher the
 * user chose.
 *
 * Why it is built this way (the constraints, in order):
 * - The teacher's origin is chosen at run time, so no policy written at build time can name it,
 *   and a static site cannot rely on response headers it does not control.
 * - A policy can never be loosened once it is in force: a second policy (another <meta> or a
 *   header) is enforced *in addition*, so every connection must pass all of them (CSP3 §"multiple
 *   policies"). So index.html's static <meta> names every directive EXCEPT connect-src (and
 *   deliberately no default-src, which connect-src would fall back to), and this module adds the
 *   one connect-src policy as the first thing the page runs, from the teacher origin stored by
 *   the previous visit. Browsers enforce a <meta> CSP inserted by script from that moment on.
 * - Changing the teacher therefore needs one reload: the Teacher step stores the new origin and
 *   reloads; the flow state brings the user straight back to the Teacher step.
 * - A dedicated worker loaded from its own URL gets its policy from its own response headers, NOT
 *   from the page's <meta> (CSP3 "initialize a global object's CSP list"), and the teacher is
 *   called from the worker. A worker whose script is a blob: URL does inherit the page's policy,
 *   so `startWorker` wraps the real worker script in a one-line blob module that imports it:
 *   the worker then runs under this same connect-src (a browser test checks this).
 * - Rejected: `connect-src 'self' http: https:` (no reload, but an injected script could post the
 *   user's data and key anywhere). Before a teacher is chosen the policy is `connect-src 'self'`
 *   plus the model hosts.
 * - A blob: worker's own location is the blob URL, so code in the worker must fetch app files by
 *   absolute URL (new URL(path, import.meta.url) or the page's origin), never by a bare relative
 *   path.
 *
 * What this cannot do: a <meta> policy cannot set frame-ancestors or report-uri; hosts that can
 * send headers should add `frame-ancestors 'none'`. The hosts of the pretrained encoder's files
 * (the Hugging Face hub) are listed in MODEL_ORIGINS; serving the model from the app's own origin
 * lets that list be emptied.
 */

import { endpointOrigin } from '../../core/teacher/endpoint.js';

const TEACHER_ORIGIN_KEY = 'distillery.teacherOrigin';

/**
 * The policy written into index.html at build time (see csp-plugin.ts): everything but
 * connect-src. No default-src on purpose: connect-src would fall back to it and could then never
 * admit the teacher. Styles need no 'unsafe-inline' in a build: Svelte sets dynamic styles through
 * the CSSOM (element.style), which CSP does not restrict, and the CSS is a file. The dev server
 * injects <style> elements, so dev alone allows inline styles.
 */
export function staticPolicy(mode: 'build' | 'dev'): string {
  return [
    "script-src 'self' 'wasm-unsafe-eval'",
    `style-src 'self'${mode === 'dev' ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "frame-src 'none'",
    "media-src 'none'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * Where the sentence encoder's files are downloaded from when they are not served by the app
 * itself: the Hugging Face hub redirects file downloads to its CDNs.
 */
export const MODEL_ORIGINS: readonly string[] = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'];

/**
 * The origin (scheme://host:port) of a teacher base URL, or null when it is not an http(s) URL.
 * Only the origin goes into the policy: a path cannot be trusted to confine redirects anyway.
 */
export function teacherOrigin(baseUrl: string): string | null {
  return endpointOrigin(baseUrl);
}

/** The connect-src policy text for a teacher origin (or none yet). */
export function connectPolicy(origin: string | null, modelOrigins: readonly string[] = MODEL_ORIGINS): string {
  const sources = ["'self'", ...(origin ? [origin] : []), ...modelOrigins];
  return `connect-src ${sources.join(' ')}`;
}

/** The teacher origin the current page load is allowed to reach (null: none yet). */
export function storedTeacherOrigin(storage: Pick<Storage, 'getItem'> = localStorage): string | null {
  const raw = storage.getItem(TEACHER_ORIGIN_KEY);
  return raw ? teacherOrigin(raw) : null;
}

let activeOrigin: string | null | undefined;

/**
 * Puts the connect-src policy in force for this page load. Called once, before anything else
 * runs (see main.ts); a second call does nothing, because a policy cannot be replaced.
 */
export function applyConnectPolicy(doc: Document = document, storage: Pick<Storage, 'getItem'> = localStorage): string | null {
  if (activeOrigin !== undefined) return activeOrigin;
  activeOrigin = storedTeacherOrigin(storage);
  const meta = doc.createElement('meta');
  meta.httpEquiv = 'Content-Security-Policy';
  meta.content = connectPolicy(activeOrigin);
  meta.dataset.policy = 'connect';
  doc.head.appendChild(meta);
  return activeOrigin;
}

/** The teacher origin the policy in force allows (null: only the app itself). */
export function allowedTeacherOrigin(): string | null {
  return activeOrigin ?? null;
}

/**
 * Whether calling `baseUrl` needs a reload first: true when its origin is not the one the policy
 * in force allows.
 */
export function needsReloadFor(baseUrl: string): boolean {
  const origin = teacherOrigin(baseUrl);
  return origin !== null && origin !== allowedTeacherOrigin();
}

/** Stores the teacher origin for the next page load's policy. The caller then reloads. */
export function rememberTeacherOrigin(baseUrl: string, storage: Pick<Storage, 'setItem'> = localStorage): void {
  const origin = teacherOrigin(baseUrl);
  if (!origin) throw new Error(`not an http(s) URL: ${baseUrl}`);
  storage.setItem(TEACHER_ORIGIN_KEY, origin);
}

/**
 * Starts a module worker that runs under this page's policy: its script is a blob: module (which
 * inherits the creator's CSP) that imports the real worker script by absolute URL. Needs
 * `worker-src blob:` in the static policy, which index.html has.
 */
export function startWorker(scriptUrl: string | URL, name?: string): Worker {
  const absolute = new URL(scriptUrl, location.href).href;
  const blob = new Blob([`import ${JSON.stringify(absolute)};\n`], { type: 'text/javascript' });
  const url = URL.createObjectURL(blob);
  const worker = new Worker(url, { type: 'module', name });
  // The worker has fetched its script by the time it posts anything; revoking later is harmless.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return worker;
}
