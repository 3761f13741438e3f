/**
 * Vite plugin: serves onnxruntime-web's wasm runtime from the app itself at `<base>ort/`, so the
 * sentence encoder never asks a CDN (transformers.js defaults to jsDelivr) and works offline once
 * the app and a model are cached. The worker points `env.backends.onnx.wasm.wasmPaths` here
 * (src/worker/encode.ts). transformers.js v4 loads the `asyncify` build for both WebGPU and WASM.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin, Connect } from 'vite';

export const ORT_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

function ortDist(root: string): string {
  // Resolve from the app root: the copy transformers.js itself imports.
  const req = createRequire(join(root, 'package.json'));
  // The package exports no ./package.json; its main entry sits in dist/ beside the wasm files.
  const dir = dirname(req.resolve('onnxruntime-web'));
  for (const f of ORT_FILES) {
    if (!existsSync(join(dir, f))) throw new Error(`vite-ort-wasm: ${join(dir, f)} is missing; run npm install.`);
  }
  return dir;
}

export function ortWasmPlugin(): Plugin {
  let dist = '';
  let base = '/';
  const serve: Connect.NextHandleFunction = (req, res, next) => {
    const path = (req.url ?? '').split('?')[0]!;
    const name = path.startsWith(`${base}ort/`) ? path.slice(base.length + 4) : '';
    if (!ORT_FILES.includes(name)) return next();
    const file = join(dist, name);
    res.setHeader('Content-Type', name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
    res.setHeader('Content-Length', String(statSync(file).size));
    createReadStream(file).pipe(res);
  };
  return {
    name: 'distillery-ort-wasm',
    configResolved(config) { dist = ortDist(config.root); base = config.base; },
    configureServer(server) { server.middlewares.use(serve); },
    generateBundle(_options, bundle) {
      for (const f of ORT_FILES) this.emitFile({ type: 'asset', fileName: `ort/${f}`, source: readFileSync(join(dist, f)) });
      // onnxruntime-web's bundle also names its wasm by `new URL(…, import.meta.url)`, so Vite
      // emits a second, hashed 27 MB copy that is never fetched (wasmPaths points at ort/).
      for (const name of Object.keys(bundle)) {
        if (/^assets\/ort-wasm-simd-threaded\.asyncify-[\w-]+\.wasm$/.test(name)) delete bundle[name];
      }
    },
  };
}
