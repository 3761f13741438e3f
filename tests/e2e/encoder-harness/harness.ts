/**
 * Builds the encoder check page (index.html + encoder-check.ts beside this file) with the app's own
 * Vite plugins and serves it, with the app's public/ folder (/models/, /vectors/), on its own port.
 * Kept out of the app's build: only the encoder browser tests and bench/transformer-speed.ts use it.
 */
import { build, preview, type PreviewServer } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { cspPlugin } from '../../../src/app/flow/csp-plugin';

const HERE = fileURLToPath(new URL('.', import.meta.url));

export async function serveEncoderHarness(port: number): Promise<{ url: string; close: () => Promise<void> }> {
  const config = {
    root: HERE,
    configFile: false as const,
    logLevel: 'warn' as const,
    publicDir: fileURLToPath(new URL('../../../public', import.meta.url)),
    plugins: [svelte({ configFile: false }), cspPlugin()],
    worker: { format: 'es' as const },
    build: { outDir: fileURLToPath(new URL('../../../test-results/encoder-harness', import.meta.url)), emptyOutDir: true, target: 'es2022' },
    preview: { host: '127.0.0.1', port, strictPort: true },
  };
  await build(config);
  const server: PreviewServer = await preview(config);
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
