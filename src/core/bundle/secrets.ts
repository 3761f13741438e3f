/**
 * A bundle is meant to be shared, so nothing that authenticates to the teacher may enter it. The
 * exporter passes every JSON object it writes through `redactSecrets`, and every URL through
 * `publicUrl`, whatever the caller handed in.
 */

const SECRET_KEY = /(api[-_]?key|authorization|secret|password|passwd|bearer|access[-_]?token|auth[-_]?token|^token$|headers)/i;

export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v)) as T;
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k)) continue;
      out[k] = redactSecrets(v);
    }
    return out as T;
  }
  return value;
}

/** A teacher URL without user:password and without a query string (some gateways take keys there). */
export function publicUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return undefined;
  }
}
