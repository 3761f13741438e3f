/**
 * The teacher: an OpenAI-compatible client and the synthesis strategies of both papers.
 *
 * ## Running a job (the loop, the worker and the CLI all do exactly this)
 *
 * ```ts
 * import { TeacherClient, synthesize, findPreset } from '../teacher/index.js';
 *
 * const client = new TeacherClient({ baseURL: findPreset('ollama')!.baseURL, model: 'llama3.1:8b',
 *   apiKey, timeoutMs: 60_000, maxAttempts: 6, jsonMode: 'schema' });
 * const models = await client.listModels(signal);          // GET /v1/models, for a picker
 * const summary = await synthesize({
 *   projectId, jobId: `round-${r}-extrapolate`,            // same jobId again = resume
 *   strategy: 'extrapolate',                                // 'annotate' | 'generate' | 'rationale' | 'extrapolate'
 *   round: r, n: 3,                                         // see SynthesisJob.n for what n means per strategy
 *   labels, seeds,                                          // seeds: {text, label}[]
 *   errors: [{ text, trueLabel, predictedLabel }],          // extrapolate only
 *   unlabeled,                                              // annotate only
 *   avoidTexts: [...valTexts, ...testTexts],                // the leakage guard
 *   task: 'sentiment of movie-review sentences',
 *   templates: { generate: { user: '…{{examples}} {{label}} {{count}}…' } },   // optional overrides
 *   budget: { maxTokens: 2e6, maxCost: 5, pricePerMInput: 0.15, pricePerMOutput: 0.6 },
 *   options: { concurrency: 4, perRequest: 5, samples: 1 },
 * }, { client, store, signal, onProgress, onExamples });
 * ```
 *
 * What it guarantees:
 * - Every accepted example is in `store` (putExamples) before its request is journaled
 *   (putRequest, key deterministic in the job). Example ids are `${jobId}:${key}:${i}` and
 *   `provenance.requestId` is `${jobId}:${key}`; provenance also has strategy, teacherModel,
 *   promptTemplate, round, source ('generated' | 'annotated' | 'extrapolated'), confidence.
 * - Resuming (same jobId) skips journaled requests, keeps their examples, deletes examples of a
 *   request that never got journaled (a crash between the two writes) and redoes it.
 * - Budgets count the job's journaled spending too, and stop between attempts.
 * - Cancel: abort the signal; `synthesize` waits for the requests in flight to settle (their
 *   examples are stored) and throws AbortError.
 * - Returns a SynthesisSummary (accepted, rejected by reason, requests, failedRequests by kind,
 *   tokens, cost, stopReason). `stopReason` other than 'done' is a normal outcome, not an error.
 * - Throws UserError for what the user must fix (bad key: HTTP 401/403, wrong model/URL: 404,
 *   fewer than two labels, a template missing a variable).
 *
 * Reading the results: `store.listExamples(projectId, { source: 'generated' })` and filter by
 * `provenance.requestId?.startsWith(jobId + ':')` or by round.
 *
 * Prompts: DEFAULT_TEMPLATES in prompts.ts, variables `{{name}}`; user texts are JSON-quoted in
 * <text>/<example> tags. The simulated teacher (sim/) reads the same prompts; its HTTP server
 * (`sim/server.ts`, `startTeacherSim`) is Node-only and not exported here so the browser bundle
 * never pulls in node:http. For an offline demo in a Worker, no server is needed:
 * `new TeacherClient({ baseURL: 'http://teacher-sim.invalid/v1', model: 'teacher-sim',
 *   fetch: simFetch(new TeacherSimCore({ pool }), 200) })`.
 * Whatever runs against the sim measures the pipeline, not an LLM.
 */
export { TeacherClient, TeacherError, StopRequested, estimateTokens, type TeacherConfig, type FailureKind, type ChatRequest, type ChatAnswer, type Usage } from './client.js';
export { TEACHER_PRESETS, findPreset, type TeacherPreset, type JsonMode } from './presets.js';
export { DEFAULT_TEMPLATES, renderTemplate, resolveTemplates, quoteText, type PromptTemplate, type TemplateName } from './prompts.js';
export { ExampleFilter, DedupIndex, normalizeText, type RejectReason } from './filters.js';
export { Budget, type BudgetLimits } from './budget.js';
export { synthesize, type SynthesizeOptions } from './synthesize.js';
export type { SynthesisJob, SynthesisOptions, SynthesisSummary, ErrorCase, LabeledText } from './job.js';
export { TeacherSimCore, type SimOptions } from './sim/respond.js';
export { simFetch } from './sim/fetch.js';
export { parseFaultSpec, type FaultRates } from './sim/faults.js';
