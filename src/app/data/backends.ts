/**
 * What compute this browser offers, probed with the raw web APIs (no tfjs on the page), for the
 * Data step to show. Which backend trains is decided by timing, in the worker (core/student/backend.ts).
 */
export interface BackendReport {
  webgpu: { available: boolean; adapter?: string; fallback?: boolean; reason?: string };
  webgl: { webgl1: boolean; webgl2: boolean; renderer?: string };
  wasm: { available: boolean; simd: boolean; threads: boolean };
}

// The smallest module that uses a v128 instruction: validates only where WASM SIMD is supported.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  isFallbackAdapter?: boolean;
}

async function probeWebGpu(): Promise<BackendReport['webgpu']> {
  // Typed as always there; absent outside secure contexts and in browsers without WebGPU.
  const gpu = navigator.gpu as GPU | undefined;
  if (!gpu) return { available: false, reason: window.isSecureContext ? 'this browser has no WebGPU' : 'WebGPU needs a secure context (https or localhost)' };
  try {
    // TypeScript's GPUAdapter lacks the newer `info` and `isFallbackAdapter`.
    const adapter = (await gpu.requestAdapter()) as (GPUAdapter & GpuAdapterLike) | null;
    if (!adapter) return { available: false, reason: 'no WebGPU adapter (GPU blocked or unsupported)' };
    const i = adapter.info ?? {};
    const name = [i.vendor, i.architecture, i.device, i.description].filter((x) => x && x.trim()).join(' · ') || 'unnamed adapter';
    return { available: true, adapter: name, fallback: adapter.isFallbackAdapter ?? false };
  } catch (e) {
    return { available: false, reason: `requestAdapter failed: ${(e as Error).message}` };
  }
}

function probeWebGl(): BackendReport['webgl'] {
  const c = document.createElement('canvas');
  const gl2 = c.getContext('webgl2');
  const gl1 = gl2 ?? document.createElement('canvas').getContext('webgl');
  let renderer: string | undefined;
  const gl = gl2 ?? gl1;
  if (gl) {
    const dbg = gl.getExtension('WEBGL_debug_renderer_info');
    renderer = String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
  return { webgl1: !!gl1, webgl2: !!gl2, renderer };
}

function probeWasm(): BackendReport['wasm'] {
  const available = typeof WebAssembly === 'object';
  let simd = false;
  try { simd = available && WebAssembly.validate(SIMD_PROBE); } catch { simd = false; }
  return { available, simd, threads: available && typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true };
}

export async function probeBackends(): Promise<BackendReport> {
  return { webgpu: await probeWebGpu(), webgl: probeWebGl(), wasm: probeWasm() };
}
