/**
 * `distillery synth`: make training data with a teacher LLM from the command line. The run folder
 * (--out) keeps a store with every accepted example and the request journal, so running the same
 * command again after a crash or Ctrl-C resumes the job instead of starting over.
 */
import { basename, join } from 'node:path';
import { AbortError, UserError } from '../../core/errors.js';
import type { SynthesisDetail } from '../../core/progress.js';
import { parseDataset } from '../../core/dataset/parse.js';
import { textHash } from '../../core/dataset/hash.js';
import { labelOrder } from '../../core/dataset/labels.js';
import { NodeStore } from '../../core/store/node.js';
import { writeFileAtomic } from '../../core/store/atomic-write-node.js';
import { synthesize, TeacherClient, findPreset, type SynthesisJob } from '../../core/teacher/index.js';
import { normalizeEndpoint, probeEndpoint } from '../../core/teacher/endpoint.js';
import { intOption, numberOption, parseCommandArgs, printSummary, requireOption } from '../args.js';
import { readInputFile } from '../input-file.js';

export const usage = `Usage: distillery synth --seeds FILE --teacher-url URL --teacher-model NAME --strategy S --n N --out DIR [options]

Asks a teacher LLM (any OpenAI-compatible server) for labeled training data and writes
DIR/synthetic.jsonl, one example a line with its provenance. Run the same command again to resume
an interrupted job: finished requests are skipped. The last stdout line is a JSON summary.

Options:
  --seeds FILE          a few labeled examples (CSV, TSV, JSONL or "LABEL TEXT" lines) (required)
  --unlabeled FILE      texts for the teacher to label (annotate)
  --teacher-url URL     base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1,
                        or a preset: openai, openrouter, ollama, vllm, llamacpp, lmstudio
  --teacher-model NAME  model id (see the server's /v1/models) (required)
  --api-key-env VAR     environment variable holding the API key (never pass a key on the command line)
  --strategy S          annotate | generate | rationale (required)
  --n N                 examples to make (generate, rationale) or texts to label (annotate) (required)
  --concurrency C       requests at once (default 4)
  --out DIR             run folder (required)
  --task TEXT           one sentence on what is classified, e.g. "sentiment of movie reviews"
  --avoid FILE          validation/test texts the output must not copy (repeatable)
  --per-request K       examples per generation request (default 5)
  --topics LIST         generate: comma-separated topics to rotate through, one per request
  --samples M           annotate: answers per batch for a majority vote (default 1)
  --json-mode MODE      schema (response_format json_schema, default) or text (JSON in the prompt)
  --stream              use server-sent events
  --timeout-ms MS       per-request timeout (default 60000)
  --max-attempts A      attempts per request (default 6)
  --max-requests R --max-tokens T --max-cost C --price-in P --price-out P
                        budgets; prices per million tokens
  --round R             round number recorded in provenance (default 0)

The summary adds up for the whole job: requested = accepted + rejected (by reason) + missing (by
reason: not returned, cut off, request failed, not sent, off-label answer); "why" says why a job
ended short. A rerun asks again for what is missing (annotation: texts left without a label) and
re-checks every kept example against the current --avoid files.

Exit status: 0 done; 3 stopped early or incomplete (a budget, a failing teacher, texts left without
a label: the summary says why; run again to resume); 130 cancelled (Ctrl-C; run again to resume);
1 bad input.`;

async function readLabeled(file: string, requireLabels: boolean) {
  return parseDataset(await readInputFile(file), basename(file), { requireLabels });
}

export async function run(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    seeds: { type: 'string' }, unlabeled: { type: 'string' }, 'teacher-url': { type: 'string' }, 'teacher-model': { type: 'string' },
    'api-key-env': { type: 'string' }, strategy: { type: 'string' }, n: { type: 'string' }, concurrency: { type: 'string' },
    out: { type: 'string' }, task: { type: 'string' }, avoid: { type: 'string', multiple: true }, 'per-request': { type: 'string' }, topics: { type: 'string' },
    samples: { type: 'string' }, 'json-mode': { type: 'string' }, stream: { type: 'boolean' }, 'timeout-ms': { type: 'string' },
    'max-attempts': { type: 'string' }, 'max-requests': { type: 'string' }, 'max-tokens': { type: 'string' },
    'max-cost': { type: 'string' }, 'price-in': { type: 'string' }, 'price-out': { type: 'string' }, round: { type: 'string' },
  }, usage);
  const started = Date.now();
  const strategy = requireOption(v.strategy, '--strategy', usage);
  if (strategy !== 'annotate' && strategy !== 'generate' && strategy !== 'rationale') {
    throw new UserError('bad-arguments', `--strategy must be annotate, generate or rationale, not '${strategy}'.`);
  }
  const out = requireOption(v.out, '--out', usage);
  const n = intOption(requireOption(v.n, '--n', usage), '--n', 0, 1);
  const model = requireOption(v['teacher-model'], '--teacher-model', usage);
  const urlArg = requireOption(v['teacher-url'], '--teacher-url', usage);
  const preset = findPreset(urlArg.trim());
  const baseURL = normalizeEndpoint(urlArg);
  let apiKey: string | undefined;
  if (v['api-key-env']) {
    apiKey = process.env[v['api-key-env']];
    if (!apiKey) throw new UserError('no-api-key', `The environment variable ${v['api-key-env']} is not set or empty.`, `Export it first: export ${v['api-key-env']}=...`);
  }
  const jsonMode = v['json-mode'] ?? preset?.jsonMode ?? 'schema';
  if (jsonMode !== 'schema' && jsonMode !== 'text') throw new UserError('bad-arguments', `--json-mode must be schema or text, not '${jsonMode}'.`);
  if (strategy === 'annotate' && !v.unlabeled) throw new UserError('bad-arguments', 'The annotate strategy needs --unlabeled FILE.', `\n${usage}`);

  const seedsFile = requireOption(v.seeds, '--seeds', usage);
  const seedReport = await readLabeled(seedsFile, true);
  const seeds = seedReport.examples.map((e) => ({ text: e.text, label: e.label! }));
  const labels = labelOrder(Object.keys(seedReport.classes));
  const unlabeled = v.unlabeled ? (await readLabeled(v.unlabeled, false)).examples.map((e) => e.text) : undefined;
  const avoidTexts: string[] = [];
  for (const f of v.avoid ?? []) for (const e of (await readLabeled(f, false)).examples) avoidTexts.push(e.text);

  const options = {
    concurrency: intOption(v.concurrency, '--concurrency', 4, 1),
    perRequest: intOption(v['per-request'], '--per-request', 5, 1),
    samples: intOption(v.samples, '--samples', 1, 1),
    topics: v.topics ? v.topics.split(',').map((t) => t.trim()).filter(Boolean) : undefined,
  };
  const budget = {
    maxRequests: v['max-requests'] ? intOption(v['max-requests'], '--max-requests', 0, 1) : undefined,
    maxTokens: v['max-tokens'] ? intOption(v['max-tokens'], '--max-tokens', 0, 1) : undefined,
    maxCost: v['max-cost'] ? numberOption(v['max-cost'], '--max-cost', 0) : undefined,
    pricePerMInput: numberOption(v['price-in'], '--price-in', 0),
    pricePerMOutput: numberOption(v['price-out'], '--price-out', 0),
  };
  const round = intOption(v.round, '--round', 0);
  // Same inputs, same job id: rerunning the command resumes instead of starting a new job.
  // Concurrency and budgets are left out: changing them must not start a new job.
  const identity = JSON.stringify({ strategy, n, model, round, task: v.task ?? '', perRequest: options.perRequest, samples: options.samples, topics: options.topics ?? null, labels,
    seeds: textHash(seeds.map((s) => s.label + '\t' + s.text).join('\n')), unlabeled: unlabeled ? textHash(unlabeled.join('\n')) : null });
  const job: SynthesisJob = {
    projectId: 'synth', jobId: `${strategy}-${textHash(identity)}`, strategy, round, n, labels, seeds, unlabeled, avoidTexts,
    task: v.task, budget, options,
  };
  const client = new TeacherClient({
    baseURL, model, apiKey, jsonMode, stream: v.stream === true,
    timeoutMs: intOption(v['timeout-ms'], '--timeout-ms', 60_000, 1), maxAttempts: intOption(v['max-attempts'], '--max-attempts', 6, 1),
  });

  const probe = await probeEndpoint(baseURL, { apiKey, timeoutMs: intOption(v['timeout-ms'], '--timeout-ms', 60_000, 1) });
  // A server without a model list can still answer completions: only no answer or a refused key stops here.
  if (!probe.ok && probe.kind !== 'not-api') throw new UserError(probe.kind === 'auth' ? 'teacher-auth' : 'teacher-unreachable', probe.message);
  if (probe.ok && probe.models.length > 0 && !probe.models.includes(model)) {
    console.error(`synth: warning: '${model}' is not in the server's model list (${probe.models.slice(0, 10).join(', ')}${probe.models.length > 10 ? ', …' : ''}).`);
  }
  const store = await NodeStore.open(join(out, 'store'));
  const controller = new AbortController();
  const onSignal = () => { console.error('synth: stopping after the requests in flight; run the same command again to resume.'); controller.abort(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let lastLog = 0;
  let last: { done: number; detail?: Partial<SynthesisDetail> } = { done: 0 };
  try {
    const summary = await synthesize(job, {
      client, store, signal: controller.signal,
      onProgress: (p) => {
        if (p.phase !== 'synthesize') return;
        last = p;
        if (Date.now() - lastLog < 2000 && p.done < p.total) return;
        lastLog = Date.now();
        console.error(`synth: ${p.done}/${p.total} accepted, ${p.detail.requests} requests sent`);
      },
    });
    const written = await writeSynthetic(store, job, out);
    if (summary.stopReason !== 'done') console.error(`synth: stopped (${summary.stopReason}): ${summary.why ?? summary.lastError ?? ''} ${written} examples in ${join(out, 'synthetic.jsonl')}.`);
    // Adds up for the whole job: requested = accepted + Σ rejected + Σ missing (extra: sent beyond what was asked).
    printSummary({
      target: summary.target, requested: summary.requested, accepted: summary.accepted, rejected: summary.rejected, missing: summary.missing, extra: summary.extra,
      requests: summary.requests, failedRequests: summary.failedRequests,
      tokens: summary.tokens, seconds: Math.round((Date.now() - started) / 10) / 100,
      stopReason: summary.stopReason, ...(summary.why ? { why: summary.why } : {}),
      skippedRequests: summary.skippedRequests, jobId: job.jobId, out: join(out, 'synthetic.jsonl'),
    });
    return summary.stopReason === 'done' ? 0 : 3;
  } catch (e) {
    if (e instanceof AbortError) {
      await writeSynthetic(store, job, out);
      const d = last.detail ?? {};
      printSummary({
        accepted: last.done, rejected: d.rejected ?? {}, requests: d.requests ?? 0, failedRequests: d.failedRequests ?? {},
        tokens: d.tokens ?? 0, seconds: Math.round((Date.now() - started) / 10) / 100, stopReason: 'cancelled',
        skippedRequests: d.skippedRequests ?? 0, jobId: job.jobId, out: join(out, 'synthetic.jsonl'),
      });
      return 130;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await store.close();
  }
}

/** DIR/synthetic.jsonl from the store, replaced atomically; returns the line count. */
async function writeSynthetic(store: NodeStore, job: SynthesisJob, out: string): Promise<number> {
  const mine = (await store.listExamples(job.projectId)).filter((e) => e.id.startsWith(job.jobId + ':'));
  const path = join(out, 'synthetic.jsonl');
  await writeFileAtomic(path, mine.map((e) => JSON.stringify(e)).join('\n') + (mine.length ? '\n' : ''));
  return mine.length;
}
