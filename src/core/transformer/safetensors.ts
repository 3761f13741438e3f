/**
 * The safetensors format, read and written: an 8-byte little-endian header length N, N bytes of
 * JSON ({name: {dtype, shape, data_offsets: [begin, end]}}, plus an optional "__metadata__"),
 * then the raw little-endian row-major bytes, offsets counted from the end of the header.
 * Floating tensors come back as Float32Array whatever they were stored as (F32, F16, BF16), since
 * TensorFlow.js computes in float32; integer buffers (BERT's `position_ids`) are skipped.
 */
import { UserError } from '../errors.js';

export interface RawTensor {
  shape: number[];
  data: Float32Array;
}

export interface HeaderEntry { dtype: string; shape: number[]; data_offsets: [number, number] }

const FLOAT_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

function damaged(why: string): UserError {
  return new UserError('safetensors-damaged', `The model weights (model.safetensors) are damaged: ${why}.`, 'Download the model again (npm run models, or pick the folder again).');
}

/** The file's header: tensor name → dtype, shape, byte range (and `__metadata__`); the data is not read. */
export function safetensorsHeader(bytes: Uint8Array): { header: Record<string, HeaderEntry | Record<string, string>>; base: number } {
  if (bytes.length < 8) throw damaged('the file is shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8 || headerLen > 100_000_000) throw damaged(`its header claims ${headerLen} bytes`);
  let header: Record<string, HeaderEntry | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    throw damaged('its header is not JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw damaged('its header is not a JSON object');
  return { header, base: 8 + headerLen };
}

/** Every floating tensor in the file, by its stored name. */
export function readSafetensors(bytes: Uint8Array): Map<string, RawTensor> {
  const { header, base } = safetensorsHeader(bytes);
  const out = new Map<string, RawTensor>();
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = (e ?? {}) as Partial<HeaderEntry>;
    const width = FLOAT_BYTES[dtype!];
    if (!width) continue;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0) || !Array.isArray(offsets)) throw damaged(`${name} has no valid shape and offsets`);
    const [begin, end] = offsets as [number, number];
    const count = shape.reduce((a, b) => a * b, 1);
    if (!(begin >= 0) || end - begin !== count * width || base + end > bytes.length) throw damaged(`${name} does not fit its shape ${JSON.stringify(shape)} (${dtype})`);
    out.set(name, { shape, data: decode(bytes.subarray(base + begin, base + end), dtype!, count) });
  }
  return out;
}

function decode(b: Uint8Array, dtype: string, count: number): Float32Array {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Float32Array(count);
  if (dtype === 'F32') {
    // A copy through an aligned buffer (the data need not start on a 4-byte boundary).
    out.set(new Float32Array(b.slice().buffer));
  } else if (dtype === 'BF16') {
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) u32[i] = view.getUint16(2 * i, true) << 16;
  } else {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  }
  return out;
}

/** IEEE 754 binary16 → number, subnormals, infinities and NaN included. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Writes float32 tensors as a safetensors file (names sorted, as the Python library does). */
export function writeSafetensors(tensors: Map<string, RawTensor>, metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const n of names) {
    const t = tensors.get(n)!;
    header[n] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (what the reference writer does).
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const n of names) {
    const d = tensors.get(n)!.data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}
