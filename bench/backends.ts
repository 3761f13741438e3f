/**
 * Epoch time and examples/s of the student on each tfjs backend, in Chromium, through the app's
 * own Train step (worker, IndexedDB, the same word-vector model for every backend: same data,
 * same vocabulary, same hyperparameters). Prints a table; no pass/fail.
 *
 *   npm run build && npx tsx bench/backends.ts [examples=2000] [epochs=2]
 *
 * Headless Chromium has no GPU here: WebGPU runs on SwiftShader (Vulkan on the CPU) and WebGL on
 * SwiftShader GL. Their numbers show these paths work and what emulation costs; they say nothing
 * about WebGPU or WebGL speed on a real GPU.
 */
import { generate, toCsv } from '../tests/fixtures/train-generator.js';
import { trainOnce, uploadProject, withApp } from './browser-train.js';

const n = Number(process.argv[2] ?? 2000);
const epochs = Number(process.argv[3] ?? 2);
const BACKENDS = (process.env.BACKENDS ?? 'cpu,wasm,webgl,webgpu').split(',');

await withApp(async (page) => {
  const accepted = await uploadProject(page, 'Backend bench', toCsv(generate(n, 3)));
  const available = await page.getByTestId('train-backend').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  console.log(`${accepted} generated examples (4 classes; 80% train, 20% validation), ${epochs} epochs per backend; available: ${available.join(', ')}\n`);
  console.log('| backend | ran on | epoch s (mean) | first epoch s | examples/s (mean) | val macro-F1 | run wall s |');
  console.log('|---|---|---|---|---|---|---|');
  for (const b of BACKENDS) {
    if (!available.includes(b)) { console.log(`| ${b} | not available | | | | | |`); continue; }
    const r = await trainOnce(page, b, epochs);
    if (!r.ok) { console.log(`| ${b} | failed: ${r.error.replace(/\|/g, '/')} | | | | | ${r.wallSeconds.toFixed(1)} |`); continue; }
    const h = r.summary.history;
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    // The first epoch includes shader compilation / kernel setup; later ones are the steady state.
    const steady = h.length > 1 ? h.slice(1) : h;
    console.log(`| ${b} | ${r.summary.backend} | ${mean(steady.map((e) => e.seconds)).toFixed(2)} | ${h[0].seconds.toFixed(2)} | ${Math.round(mean(steady.map((e) => e.examplesPerSecond)))} | ${r.summary.val.macroF1.toFixed(3)} | ${r.wallSeconds.toFixed(1)} |`);
  }
  console.log('\nSwiftShader (webgpu, webgl) is CPU emulation: these rows measure correctness and emulation cost, not real GPU speed.');
});
