/**
 * The 50k check: 62,500 generated texts uploaded through the Data step (20% held out for
 * validation leaves 50,000 to train on), trained in Chromium on the GloVe path. Reports whether
 * the tab survived, time, examples/s and memory (the worker's tfjs bytes at each epoch's end,
 * the page's JS heap). tests/e2e/train-50k.spec.ts asserts the same run; this prints its numbers
 * and lets you pick the backend.
 *
 *   npm run build && npx tsx bench/train-50k.ts [backend=cpu] [epochs=2]
 */
import { generate, toCsv } from '../tests/fixtures/train-generator.js';
import { trainOnce, uploadProject, withApp } from './browser-train.js';

const backend = process.argv[2] ?? 'cpu';
const epochs = Number(process.argv[3] ?? 2);
const MB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

await withApp(async (page) => {
  const t0 = Date.now();
  const accepted = await uploadProject(page, 'Fifty thousand', toCsv(generate(62_500, 11)));
  const uploadS = (Date.now() - t0) / 1000;
  const r = await trainOnce(page, backend, epochs);
  if (!r.ok) throw new Error(`training failed: ${r.error}`);
  const s = r.summary;
  const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null);
  console.log(`examples: ${accepted} uploaded and stored in ${uploadS.toFixed(1)} s; ${s.examples.train} train, ${s.examples.val} validation`);
  console.log(`backend: ${s.backend}; ${s.history.length} epochs; run ${r.wallSeconds.toFixed(1)} s`);
  for (const e of s.history) console.log(`  epoch ${e.epoch}: ${e.seconds.toFixed(1)} s, ${Math.round(e.examplesPerSecond)} examples/s, loss ${e.loss.toFixed(3)}, val macro-F1 ${e.valMacroF1.toFixed(3)}`);
  console.log(`worker tfjs memory: peak ${MB(s.peakTensorBytes)} at an epoch's end; after the run ${s.memory.numTensors} tensors, ${MB(s.memory.numBytes)} (the kept student)`);
  console.log(`page JS heap: ${heap === null ? 'not reported' : MB(heap)}; tab survived: yes`);
});
