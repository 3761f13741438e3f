/**
 * `distillery teacher-sim`: a simulated OpenAI-compatible teacher on 127.0.0.1 that answers from a
 * pool of real labeled texts, with optional latency and fault injection. For offline demos, tests
 * and benchmarks; what it yields measures the pipeline, not a language model.
 */
import { basename } from 'node:path';
import { UserError } from '../../core/errors.js';
import { parseDataset } from '../../core/dataset/parse.js';
import { parseFaultSpec } from '../../core/teacher/sim/faults.js';
import { startTeacherSim } from '../../core/teacher/sim/server.js';
import { intOption, numberOption, parseCommandArgs, printSummary, requireOption } from '../args.js';
import { readInputFile } from '../input-file.js';

export const usage = `Usage: distillery teacher-sim --pool FILE --port P [options]

Serves a simulated OpenAI-compatible teacher (GET /v1/models, POST /v1/chat/completions, with or
without response_format and stream) on 127.0.0.1, answering from the labeled texts in FILE
(any format \`distillery inspect\` reads). Results with it measure the pipeline, not an LLM.
Each pool text is handed out once while the sim runs, across clients and runs: a class whose
texts are all used up gets no more (stderr says "class X: pool used up"); restart the sim for a
fresh pool.

Options:
  --pool FILE           labeled texts to answer from (required)
  --port P              port on 127.0.0.1 (0 picks a free one) (required)
  --latency-ms L        delay before every answer (default 0)
  --faults SPEC         fault rates, e.g. 429=0.04,500=0.03,malformed=0.03
                        kinds: 429 (with Retry-After), 500, hang, malformed, truncated, offlabel, duplicate
  --noise R             rate of wrong labels in annotation answers (default 0)
  --seed S              seed of the random choices (default 1)
  --retry-after-ms MS   Retry-After sent with 429s (default 1000)
  --model NAME          model id to report (default teacher-sim)
  --no-usage            leave usage out of answers (clients must estimate tokens)
  --no-response-format  answer 400 to response_format json_schema (clients must fall back)`;

export async function run(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    pool: { type: 'string' }, port: { type: 'string' }, 'latency-ms': { type: 'string' }, faults: { type: 'string' },
    noise: { type: 'string' }, seed: { type: 'string' }, 'retry-after-ms': { type: 'string' }, model: { type: 'string' },
    'no-usage': { type: 'boolean' }, 'no-response-format': { type: 'boolean' },
  }, usage);
  const poolFile = requireOption(v.pool, '--pool', usage);
  const port = intOption(requireOption(v.port, '--port', usage), '--port', 0);
  if (port > 65535) throw new UserError('bad-arguments', `--port must be at most 65535, not ${port}.`);
  let faults;
  try { faults = parseFaultSpec(v.faults); } catch (e) { throw new UserError('bad-arguments', (e as Error).message); }
  const noise = numberOption(v.noise, '--noise', 0);
  if (noise < 0 || noise > 1) throw new UserError('bad-arguments', `--noise must be in [0, 1], not ${noise}.`);

  const report = parseDataset(await readInputFile(poolFile), basename(poolFile));
  const pool = report.examples.filter((e) => e.label !== null).map((e) => ({ text: e.text, label: e.label! }));
  if (new Set(pool.map((p) => p.label)).size < 1) throw new UserError('empty-pool', `${poolFile} has no labeled texts.`);

  // Listen for Ctrl-C / SIGTERM before the server starts, so a stop sent as soon as the URL is
  // printed is a clean stop (with the summary), not a kill.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  let sim;
  try {
    sim = await startTeacherSim({
      pool, port, faults, noise, latencyMs: intOption(v['latency-ms'], '--latency-ms', 0),
      seed: intOption(v.seed, '--seed', 1), retryAfterMs: intOption(v['retry-after-ms'], '--retry-after-ms', 1000),
      model: v.model, omitUsage: v['no-usage'] === true, noResponseFormat: v['no-response-format'] === true,
      onExhausted: (label, n) => console.error(`teacher-sim: class ${JSON.stringify(label)}: pool used up (all ${n} of its texts handed out). `
        + 'Each pool text is handed out once while this sim runs, across clients and runs: restart it for a fresh pool.'),
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UserError('port-in-use', `Port ${port} on 127.0.0.1 is already in use.`, 'Pick another --port, or 0 for a free one.');
    throw e;
  }
  const classes = Object.entries(report.classes).map(([l, n]) => `${l}: ${n}`).join(', ');
  console.error(`teacher-sim: ${pool.length} texts (${classes}), faults ${v.faults ?? 'none'}, latency ${v['latency-ms'] ?? 0} ms. Ctrl-C stops it.`);
  console.log(`teacher-sim listening on ${sim.url} (model ${sim.core.model})`);

  await stopped;
  await sim.close();
  printSummary({ requests: sim.core.stats.requests, abandoned: sim.core.stats.abandoned, faults: sim.core.stats.faults, exhausted: sim.core.stats.exhausted });
  return 0;
}
