/**
 * Teacher pipeline throughput against the simulated teacher: requests per second through the
 * whole synthesize() path (client, retries, parsing, filters, store writes, journal) at a fixed
 * server latency, for several concurrency limits. The ideal is concurrency / latency.
 * Measures the pipeline, not an LLM. The sim runs in its own process (`distillery teacher-sim`),
 * as it does for a user, so its CPU time is not charged to the client.
 *
 *   npm run bench:teacher [-- --latency-ms 200 --concurrency 1,4,8,16 --requests-per-slot 25]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseDataset } from '../src/core/dataset/parse.js';

const root = new URL('..', import.meta.url).pathname;
import { MemoryStore } from '../src/core/store/memory.js';
import { synthesize, TeacherClient } from '../src/core/teacher/index.js';

/** `distillery teacher-sim` as a child process; resolves with its URL and a stop function. */
function startSimProcess(pool: string, latencyMs: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(root, 'bin/distillery.js'), 'teacher-sim', '--pool', pool, '--port', '0', '--latency-ms', String(latencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/);
      if (m) resolve({ url: m[1], stop: () => new Promise((r) => { child.once('close', () => r()); child.kill('SIGTERM'); }) });
    });
    child.once('close', (code) => reject(new Error(`teacher-sim exited with ${code} before it listened`)));
  });
}

const { values } = parseArgs({ options: {
  'latency-ms': { type: 'string', default: '200' },
  concurrency: { type: 'string', default: '1,4,8,16' },
  'requests-per-slot': { type: 'string', default: '25' },
} });
const latency = Number(values['latency-ms']);
const levels = values.concurrency!.split(',').map(Number);
const perSlot = Number(values['requests-per-slot']);

const sst2 = join(root, '../shared/datasets/sst2_sentence/stsa.binary.train');
const poolFile = existsSync(sst2) ? sst2 : join(root, 'tests/fixtures/teacher-pool.tsv');
const poolRows = parseDataset(readFileSync(poolFile), poolFile.split('/').at(-1)!).examples.map((e) => ({ text: e.text, label: e.label! }));
const labels = [...new Set(poolRows.map((r) => r.label))];
// Annotation never runs out of pool texts, so every level sends exactly the planned requests.
const unlabeled = poolRows.map((r) => r.text);
console.log(`teacher-sim pool: ${poolFile} (${poolRows.length} texts), latency ${latency} ms, annotate batches of 5 texts`);
console.log(`load average before: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (timings are only meaningful on an otherwise idle machine)`);
console.log('concurrency | requests | seconds | req/s | ideal req/s | % of ideal | client CPU ms/req');
console.log('----------- | -------- | ------- | ----- | ----------- | ---------- | -----------------');
let exitCode = 0;
for (const c of levels) {
  const requests = perSlot * c;
  const sim = await startSimProcess(poolFile, latency);
  const client = new TeacherClient({ baseURL: sim.url, model: 'teacher-sim', timeoutMs: 10_000 });
  const seeds = labels.map((l) => poolRows.find((r) => r.label === l)!);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const s = await synthesize({
    projectId: 'bench', jobId: `c${c}`, strategy: 'annotate', round: 0, n: requests * 5, labels, seeds,
    unlabeled: unlabeled.slice(0, requests * 5), options: { concurrency: c, annotateBatch: 5, shots: 4 },
  }, { client, store: new MemoryStore() });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await sim.stop();
  const rate = s.requests / seconds, ideal = c / (latency / 1000);
  console.log(`${String(c).padStart(11)} | ${String(s.requests).padStart(8)} | ${seconds.toFixed(2).padStart(7)} | ${rate.toFixed(1).padStart(5)} | ${ideal.toFixed(1).padStart(11)} | ${(100 * rate / ideal).toFixed(1).padStart(9)}% | ${((cpu.user + cpu.system) / 1000 / s.requests).toFixed(2).padStart(17)}`);
  if (c === 8 && latency === 200 && rate < 0.85 * ideal) exitCode = 1;
}
if (exitCode) console.log('Below the goal: at least 85% of the ideal 40 req/s at concurrency 8 and 200 ms.');
process.exitCode = exitCode;
