/**
 * The synthesis runner: plans units with a strategy, sends them with a concurrency limit, filters
 * the answers, and writes each accepted example to the store the moment its answer is parsed,
 * then journals the request. Order matters for resume: examples first, then the journal entry; a
 * crash between the two leaves examples of an unjournaled request, which the next run deletes
 * before redoing that request (their ids are deterministic, so nothing is doubled either way).
 */
import { AbortError, UserError } from '../errors.js';
import type { LongOpOptions } from '../progress.js';
import type { Example } from '../dataset/example.js';
import { textHash } from '../dataset/hash.js';
import type { RequestRecord, Store } from '../store/store.js';
import { Budget } from './budget.js';
import { StopRequested, TeacherError, type FailureKind, type TeacherClient } from './client.js';
import { ExampleFilter, lengthLimits } from './filters.js';
import type { SynthesisJob, SynthesisStopReason, SynthesisSummary } from './job.js';
import { countJournal, countRequests, countTexts, REJECT_OUTCOMES, whyShort } from './accounting.js';
import { resolveTemplates } from './prompts.js';
import { arrayField, parseJsonObject, salvageExampleItems } from './schema.js';
import { AnnotatePlanner } from './strategies/annotate.js';
import { ExtrapolatePlanner } from './strategies/extrapolate.js';
import { generatePlanner } from './strategies/generate.js';
import { RationalePlanner } from './strategies/rationale.js';
import { quotas, type PlanContext, type Planner, type PlanState, type Unit } from './strategies/unit.js';

export interface SynthesizeOptions extends LongOpOptions {
  client: TeacherClient;
  store: Store;
  /** Called after each example batch is stored (the UI can show them as they arrive). */
  onExamples?: (examples: Example[]) => void;
}

const SOURCE_OF = { annotate: 'annotated', generate: 'generated', rationale: 'generated', extrapolate: 'extrapolated' } as const;

function validateJob(job: SynthesisJob): void {
  const labels = new Set(job.labels);
  if (labels.size < 2) throw new UserError('labels', `A classifier needs at least two labels; this job has ${labels.size}.`, 'Add seed examples of another label.');
  if (labels.size !== job.labels.length) throw new UserError('labels', 'The label list has duplicates.', 'List each label once.');
  if (!Number.isInteger(job.n) || job.n < 1) throw new UserError('bad-n', `n must be a whole number of at least 1, not ${job.n}.`);
  if (job.strategy === 'annotate' && !(job.unlabeled?.length)) throw new UserError('no-unlabeled', 'Annotation needs unlabeled texts.', 'Give an unlabeled file, or use the generate strategy.');
  if (job.strategy === 'extrapolate' && !(job.errors?.length)) throw new UserError('no-errors', 'Error extrapolation needs misclassified examples.', 'Train and evaluate a student first.');
  if (job.strategy !== 'annotate' && job.strategy !== 'extrapolate' && job.seeds.length === 0) {
    throw new UserError('no-seeds', 'Generation needs a few labeled seed examples.', 'Give a seeds file with a few examples per label.');
  }
}

/**
 * Runs (or resumes) one synthesis job and returns its summary. Throws AbortError when the signal
 * fires, after the requests in flight have settled and what they produced is stored.
 */
export async function synthesize(job: SynthesisJob, opts: SynthesizeOptions): Promise<SynthesisSummary> {
  validateJob(job);
  const { client, store, signal, onProgress } = opts;
  const started = Date.now();
  const templates = resolveTemplates(job.templates);
  const o = job.options ?? {};
  const limits = lengthLimits(job.seeds.map((s) => s.text));
  const filter = new ExampleFilter(
    { labels: job.labels, minChars: o.minChars ?? limits.minChars, maxChars: o.maxChars ?? limits.maxChars, nearDuplicateThreshold: o.nearDuplicateThreshold },
    job.seeds.map((s) => s.text), job.avoidTexts ?? []);
  const ctx: PlanContext = { job, store, templates, model: client.model };
  const idPrefix = `${job.jobId}:`;

  // What an earlier run of this job finished.
  let journal = await store.listRequests(job.projectId, job.jobId);
  const doneKeys = new Set(journal.filter((r) => r.status === 'done').map((r) => r.key));
  const mine = (await store.listExamples(job.projectId, { source: SOURCE_OF[job.strategy] })).filter((e) => e.id.startsWith(idPrefix));
  const keyOf = (e: Example) => e.id.slice(idPrefix.length, e.id.lastIndexOf(':'));
  const isKept = (e: Example) => doneKeys.has(keyOf(e));
  const orphans = mine.filter((e) => !isKept(e));
  if (orphans.length) await store.deleteExamples(job.projectId, orphans.map((e) => e.id));
  let kept = mine.filter(isKept);

  // The avoid list may have changed since (a rerun with another --avoid file): an example kept
  // from before must pass today's leakage guard too. Those that do not are deleted and counted
  // as leaks in their request's journal entry; the planner then asks for as many new ones.
  const leaked = kept.filter((e) => filter.isLeak(e.text));
  if (leaked.length) {
    await store.deleteExamples(job.projectId, leaked.map((e) => e.id));
    const gone = new Set(leaked.map((e) => e.id));
    for (const r of journal) {
      const dropped = r.acceptedIds.filter((id) => gone.has(id));
      if (!dropped.length) continue;
      const outcomes = r.outcomes ? { ...r.outcomes } : undefined;
      if (outcomes) for (const e of leaked) if (dropped.includes(e.id)) outcomes[textHash(e.text)] = 'leak';
      await store.putRequest({ ...r, acceptedIds: r.acceptedIds.filter((id) => !gone.has(id)), rejected: { ...r.rejected, leak: (r.rejected.leak ?? 0) + dropped.length }, ...(outcomes ? { outcomes } : {}) });
    }
    kept = kept.filter((e) => !gone.has(e.id));
    journal = await store.listRequests(job.projectId, job.jobId);
  }

  const budget = new Budget(job.budget);
  for (const r of journal) {
    budget.addUsage(r);
    budget.requests += r.attempts ?? 1;
  }
  const skipped = doneKeys.size;
  const state: PlanState = { done: new Set(doneKeys), failed: new Set(), inFlight: new Set(), acceptedByLabel: new Map(), pendingByLabel: new Map() };
  for (const e of kept) {
    if (e.label !== null) state.acceptedByLabel.set(e.label, (state.acceptedByLabel.get(e.label) ?? 0) + 1);
    filter.remember(e.text);
  }

  let planner: Planner;
  // Annotation: the texts the job labels (the first n that pass the leakage guard), by hash.
  let wanted: string[] = [];
  let leaks = 0;
  if (job.strategy === 'generate') planner = generatePlanner(job, templates.generate);
  else if (job.strategy === 'rationale') planner = new RationalePlanner(job, templates['rationale-attributes'], templates['rationale-generate']);
  else if (job.strategy === 'extrapolate') planner = new ExtrapolatePlanner(job, templates.extrapolate);
  else {
    // The leakage guard runs before the teacher sees anything: a val/test text is never sent.
    for (const t of job.unlabeled ?? []) {
      if (wanted.length >= job.n) break;
      if (filter.isLeak(t)) leaks++;
      else wanted.push(t);
    }
    // Texts an earlier run settled (labeled and kept, or rejected) are not asked again; those
    // it left without a label (not returned, a failed request, never sent) are.
    const settled = new Set(kept.map((e) => textHash(e.text)));
    for (const r of journal) for (const [h, o] of Object.entries(r.outcomes ?? {})) if (REJECT_OUTCOMES.has(o)) settled.add(h);
    const toAsk = wanted.filter((t) => !settled.has(textHash(t)));
    planner = new AnnotatePlanner(job, templates.annotate, toAsk, wanted.length, journal.length);
  }
  await planner.init?.(ctx);

  const failed: Partial<Record<FailureKind, number>> = {};
  // This run's rejections (the progress detail); the summary counts the whole job from the journal.
  const rejectedNow: Record<string, number> = {};
  let requestsNow = 0, promptNow = 0, completionNow = 0, estimated = false, acceptedNow = 0;
  let consecutiveFailures = 0, lastError: string | undefined, stopReason: SynthesisStopReason | undefined;
  const maxConsecutive = o.maxConsecutiveFailures ?? 10;
  const acceptedTotal = () => [...state.acceptedByLabel.values()].reduce((a, b) => a + b, 0);
  // The job's journal as it grows (earlier sessions included), so each progress event carries the
  // job's whole count as the store holds it: a front that follows the run, or reloads and follows
  // it again, shows the same numbers a recount of the journal gives.
  const records = new Map(journal.map((r) => [r.key, r]));
  const journaled = async (r: RequestRecord) => { await store.putRequest(r); records.set(r.key, r); };
  const report = () => {
    if (!onProgress) return;
    const { extra: _extra, ...items } = countJournal([...records.values()]);
    onProgress({
      phase: 'synthesize', done: acceptedTotal(), total: planner.total,
      detail: { rejected: { ...rejectedNow }, failedRequests: { ...failed }, requests: requestsNow, tokens: promptNow + completionNow, promptTokens: promptNow, completionTokens: completionNow, skippedRequests: skipped, items },
    });
  };

  // One listener on the caller's signal fans out to a controller per unit: with many requests in
  // flight, listeners on a shared signal would pile up (and Node warns past ten).
  const unitControllers = new Set<AbortController>();
  const onAbort = () => { for (const c of unitControllers) c.abort(); };
  signal?.addEventListener('abort', onAbort, { once: true });

  async function runUnit(unit: Unit): Promise<void> {
    const ctl = new AbortController();
    unitControllers.add(ctl);
    if (signal?.aborted) ctl.abort();
    try {
      await sendUnit(unit, ctl.signal);
    } finally {
      unitControllers.delete(ctl);
    }
  }

  async function sendUnit(unit: Unit, unitSignal: AbortSignal): Promise<void> {
    let prompt = 0, completion = 0, attempts = 0, truncatedKept = 0, responseId: string | undefined;
    const failures: Record<string, number> = {};
    const arrays: unknown[][] = [];
    // Items this unit asks for: examples (attribute lists are not examples), or texts to label.
    const asked = unit.field === 'attributes' ? 0 : unit.expected;
    const texts = planner instanceof AnnotatePlanner ? planner.textsOf(unit.key) : [];
    try {
      for (const req of unit.requests) {
        const r = await client.complete(req, (answer) => {
          try {
            return arrayField(parseJsonObject(answer), unit.field);
          } catch (e) {
            if (!(e instanceof TeacherError) || e.kind !== 'truncated' || unit.field !== 'examples') throw e;
            const items = salvageExampleItems(answer.text);
            if (items.length === 0) throw e;
            truncatedKept++;
            return items;
          }
        }, {
          signal: unitSignal,
          beforeAttempt: () => {
            const reason = budget.exceeded();
            if (reason) return reason;
            budget.addRequest(); requestsNow++; attempts++;
            return undefined;
          },
          onUsage: (u) => {
            budget.addUsage(u); prompt += u.promptTokens; completion += u.completionTokens;
            promptNow += u.promptTokens; completionNow += u.completionTokens; estimated ||= u.estimated;
          },
          onFailure: (e) => {
            failed[e.kind] = (failed[e.kind] ?? 0) + 1;
            failures[e.kind] = (failures[e.kind] ?? 0) + 1;
            lastError = e.message;
            report();
          },
        });
        arrays.push(r.value);
        responseId ??= r.answer.responseId;
      }
    } catch (e) {
      if (e instanceof StopRequested) { stopReason ??= e.reason; return; }
      if (e instanceof TeacherError) {
        state.failed.add(unit.key);
        consecutiveFailures++;
        await journaled({
          ...record(unit, 'failed', [], {}, prompt, completion, attempts, responseId, e.message),
          failures, asked, missing: asked ? { 'request failed': asked } : {},
          ...(texts.length ? { outcomes: Object.fromEntries(texts.map((t) => [textHash(t), 'request failed'])) } : {}),
        });
        if (consecutiveFailures >= maxConsecutive) stopReason ??= 'teacher-failing';
        return;
      }
      throw e;
    }
    consecutiveFailures = 0;
    const out = unit.read(arrays);
    const unitRejected: Record<string, number> = { ...out.rejected };
    const rej = (r: string) => { unitRejected[r] = (unitRejected[r] ?? 0) + 1; };
    if (unit.field === 'attributes' && unit.label !== undefined) {
      if (out.attributes?.length) await planner.saveAttributes?.(unit.label, out.attributes, ctx);
      else rej('malformed-attribute');
    }
    const examples: Example[] = [];
    const outcomes = out.outcomes ? [...out.outcomes] : undefined;
    const now = new Date().toISOString();
    const requestId = idPrefix + unit.key;
    // Generation: only as many items as were asked are judged, in the order they came; the
    // rest are extra (a schema caps them, a text answer may not).
    let judged = Object.values(out.rejected).reduce((a, b) => a + b, 0);
    let extra = 0;
    for (const item of out.items) {
      if (unit.field === 'examples' && judged >= unit.expected) { extra++; continue; }
      judged++;
      const outcome = (reason: string) => {
        rej(reason);
        // Annotation: the item is one of the batch's texts; its outcome changes from 'accepted'.
        if (outcomes) outcomes[texts.indexOf(item.text)] = reason;
      };
      if (unit.label !== undefined && unit.field === 'examples' && item.label !== unit.label) { outcome('off-label'); continue; }
      const reason = filter.check(item.text, item.label, unit.dedup);
      if (reason) { outcome(reason); continue; }
      examples.push({
        id: `${requestId}:${examples.length}`, text: item.text.trim(), label: item.label, split: 'train',
        provenance: {
          source: unit.source, round: job.round, teacherModel: client.model, strategy: job.strategy,
          promptTemplate: unit.templateId, requestId, createdAt: now,
          ...(item.confidence !== undefined ? { confidence: item.confidence } : {}),
        },
      });
    }
    const missing: Record<string, number> = {};
    if (outcomes) {
      for (const x of outcomes) if (x !== 'accepted' && !REJECT_OUTCOMES.has(x)) missing[x] = (missing[x] ?? 0) + 1;
    } else if (asked > judged) {
      // What an answer cut at the length limit lost is 'cut off'; what a whole answer left out, 'not returned'.
      missing[truncatedKept ? 'cut off' : 'not returned'] = asked - judged;
    }
    if (examples.length) await store.putExamples(job.projectId, examples);
    await journaled({
      ...record(unit, 'done', examples.map((e) => e.id), unitRejected, prompt, completion, attempts, responseId),
      failures, asked, missing, ...(extra ? { extra } : {}),
      ...(outcomes ? { outcomes: Object.fromEntries(texts.map((t, i) => [textHash(t), outcomes[i]])) } : {}),
    });
    state.done.add(unit.key);
    for (const e of examples) state.acceptedByLabel.set(e.label!, (state.acceptedByLabel.get(e.label!) ?? 0) + 1);
    for (const [r, n] of Object.entries(unitRejected)) rejectedNow[r] = (rejectedNow[r] ?? 0) + n;
    acceptedNow += examples.length;
    if (examples.length) opts.onExamples?.(examples);
    report();
  }

  function record(unit: Unit, status: 'done' | 'failed', acceptedIds: string[], rej: Record<string, number>,
    promptTokens: number, completionTokens: number, attempts: number, requestId?: string, error?: string): RequestRecord {
    return {
      projectId: job.projectId, jobId: job.jobId, key: unit.key, status, acceptedIds, rejected: rej,
      promptTokens, completionTokens, attempts, finishedAt: new Date().toISOString(),
      ...(requestId ? { requestId } : {}), ...(error ? { error } : {}),
    };
  }

  const concurrency = Math.max(1, o.concurrency ?? 4);
  const running = new Map<string, Promise<void>>();
  let fatal: unknown;
  report();
  while (!fatal) {
    while (running.size < concurrency && !stopReason && !signal?.aborted && !fatal) {
      const unit = planner.next(state);
      if (!unit) break;
      state.inFlight.add(unit.key);
      if (unit.label !== undefined && unit.field === 'examples') state.pendingByLabel.set(unit.label, (state.pendingByLabel.get(unit.label) ?? 0) + unit.expected);
      const p = runUnit(unit).catch((e) => { fatal ??= e; }).finally(() => {
        state.inFlight.delete(unit.key);
        if (unit.label !== undefined && unit.field === 'examples') state.pendingByLabel.set(unit.label, (state.pendingByLabel.get(unit.label) ?? 0) - unit.expected);
        running.delete(unit.key);
      });
      running.set(unit.key, p);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  await Promise.allSettled(running.values());
  signal?.removeEventListener('abort', onAbort);
  if (signal?.aborted || (fatal instanceof AbortError)) throw new AbortError();
  if (fatal) throw fatal;

  const accepted = acceptedTotal();
  const finalJournal = await store.listRequests(job.projectId, job.jobId);
  const counts = job.strategy === 'annotate'
    ? countTexts(wanted.map((t) => textHash(t)), new Set((await store.listExamples(job.projectId, { source: 'annotated' })).filter((e) => e.id.startsWith(idPrefix)).map((e) => textHash(e.text))), finalJournal, leaks)
    : countRequests(finalJournal);
  if (!stopReason) {
    const makesTexts = job.strategy === 'generate' || job.strategy === 'rationale';
    const missingTotal = Object.values(counts.missing).reduce((a, b) => a + b, 0);
    // Generation replaces a failed request by another; annotation and extrapolation cannot, so a
    // text or an error case left without its examples makes the job incomplete (rerun to retry).
    if (makesTexts) stopReason = accepted >= planner.total ? 'done' : state.failed.size > 0 ? 'incomplete' : 'exhausted';
    else if (job.strategy === 'annotate') stopReason = missingTotal > 0 ? 'incomplete' : 'done';
    else stopReason = state.failed.size > 0 ? 'incomplete' : 'done';
  }
  report();
  const byLabel = stopReason === 'exhausted'
    ? [...quotas(planner.total, job.labels)].map(([label, wanted]) => ({ label, wanted, accepted: state.acceptedByLabel.get(label) ?? 0 }))
    : [];
  const why = whyShort(stopReason, counts, finalJournal, planner.total, lastError, byLabel);
  return {
    jobId: job.jobId, target: planner.total, requested: counts.requested, accepted, acceptedNow, rejected: counts.rejected, missing: counts.missing, extra: counts.extra,
    requests: requestsNow, skippedRequests: skipped,
    failedRequests: failed, tokens: promptNow + completionNow, tokensEstimated: estimated, cost: budget.cost,
    seconds: Math.round((Date.now() - started) / 10) / 100, stopReason,
    ...(why ? { why } : {}),
    ...(stopReason !== 'done' && lastError ? { lastError } : {}),
  };
}
