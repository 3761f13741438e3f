import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { cspPlugin } from './src/app/flow/csp-plugin.js';

export default defineConfig({
  plugins: [svelte(), cspPlugin()],
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: true,
    // The worker bundles TensorFlow.js and transformers.js, so loading it is most of the build by
    // design; rolldown's timing note about that said nothing actionable on every build.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
