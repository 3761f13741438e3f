/**
 * The distillation run (Kaddour & Liu 2023 for round 0, S3 / Wang et al. 2023 for the rounds):
 *   round 0   synthesize with the chosen mix → train on seeds + synthetic → evaluate on validation
 *   round r   extrapolate from the validation errors → retrain from scratch on everything → evaluate
 * until R rounds, the budget, or `patience` rounds without a better validation macro-F1. The test
 * set is never shown to the teacher and never decides anything: it is only reported.
 * Every finished step is checkpointed in the store (see state.ts); calling `runLoop` again with the
 * same config and store continues where the last call stopped.
 */
import type { Example, Source, Strategy } from '../dataset/example.js';
import { textHash } from '../dataset/hash.js';
import { throwIfAborted, UserError } from '../errors.js';
import { mistakesOf } from '../student/mistakes.js';
import type { LongOpOptions } from '../progress.js';
import type { Store } from '../store/store.js';
import { evaluate } from '../student/metrics.js';
import { planBudget, planRound, round0Mix, roundBudget, type LoopConfig, type Round0Strategy } from './config.js';
import type { LoopDeps, LoopError, TrainedStudent, TrainingExample } from './deps.js';
import type { LoopEvent } from './events.js';
import { asSplit, dataFingerprint } from './prepare.js';
import { stratifiedSplit } from '../dataset/split.js';
import type { BaselineRecord, LoopState, MetricsSummary, RoundRecord, TeacherUse } from './state.js';
import { Checkpoint, getLoopRun } from './checkpoint.js';
import type { LoopRunRecord } from '../store/store.js';
import { labelSet, validateSetup, type LoopData } from './validate.js';
import { countJournal } from '../teacher/accounting.js';

export interface LoopOptions extends LongOpOptions {
  store: Store;
  deps: LoopDeps;
  onEvent?: (e: LoopEvent) => void;
}

const SOURCE_OF: Record<Strategy, Source> = { generate: 'generated', rationale: 'generated', annotate: 'annotated', extrapolate: 'extrapolated' };

function sortById(xs: Example[]): Example[] {
  return xs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function summarize(m: ReturnType<typeof evaluate>): MetricsSummary {
  return { labels: m.labels, accuracy: m.accuracy, macroF1: m.macroF1, confusion: m.confusion, perClass: m.perClass, n: m.n };
}

export function synthJobId(runId: string, round: number, strategy: string): string {
  return `${runId}:r${round}:${strategy}`;
}

/** Examples with the same text up to case and surrounding space are one example to the loop. */
const textKey = (e: Example) => textHash(e.text.trim().toLowerCase());

export async function runLoop(config: LoopConfig, data: LoopData, options: LoopOptions): Promise<LoopState> {
  const { store, deps, signal } = options;
  const emit = (e: LoopEvent) => options.onEvent?.(e);
  const labels = labelSet(data);
  const fingerprint = textHash(JSON.stringify(config) + dataFingerprint([data.seeds, data.val, data.test, data.unlabeled]));
  const plan = planBudget(config, !!data.unlabeled?.length);

  // ---- checkpoint: load or start -------------------------------------------------------------
  let run: LoopRunRecord | undefined = await getLoopRun(store, config.runId);
  if (run) {
    if (run.state.fingerprint !== fingerprint) {
      throw new UserError('run-changed', `The run '${config.runId}' in this store was started with different settings or files.`, 'Run the same command as before to resume it, or use a new output folder for a new run.');
    }
  } else {
    validateSetup(config, data);
    const now = new Date().toISOString();
    const state: LoopState = { version: 1, fingerprint, config, labels, steps: [], rounds: [], baselines: {} };
    run = { id: config.runId, projectId: config.projectId, kind: 'loop', status: 'running', createdAt: now, updatedAt: now, state };
  }
  const cp = new Checkpoint(store, run);
  const state = cp.state;
  if (state.steps.includes('done')) return state;
  await cp.save('running');
  const step = (id: string, round?: number) => {
    emit({ type: 'step', step: id, round });
    options.onProgress?.({ phase: 'loop', done: state.steps.length, total: 0, detail: { step: id, round } });
    // The step is durable by now, so a cancel here loses nothing.
    if (id !== 'done') throwIfAborted(signal);
  };

  // ---- prepare: the data and its roles ----------------------------------------------------------
  if (!cp.done('prepare')) {
    const split = data.val ? { train: data.seeds, val: data.val } : stratifiedSplit(data.seeds, { valFraction: config.valFraction, seed: config.seed });
    const now = new Date().toISOString();
    await store.putProject({ id: config.projectId, name: config.runId, createdAt: now, updatedAt: now, labels, settings: { loop: config.runId } });
    await store.putExamples(config.projectId, [
      ...asSplit(split.train, 'train', 'seed'),
      ...asSplit(split.val, 'val', 'val'),
      ...asSplit(data.test ?? [], 'test', 'test'),
      ...asSplit(data.unlabeled ?? [], 'unlabeled', 'unl'),
    ]);
    await cp.complete('prepare');
    step('prepare');
  }
  const seeds = sortById(await store.listExamples(config.projectId, { split: 'train', source: 'seed' }));
  const val = sortById(await store.listExamples(config.projectId, { split: 'val' }));
  const test = sortById(await store.listExamples(config.projectId, { split: 'test' }));
  const unlabeled = sortById(await store.listExamples(config.projectId, { split: 'unlabeled' }));
  const avoidTexts = [...val, ...test].map((e) => e.text);

  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const assess = async (student: TrainedStudent, xs: Example[]) => {
    const scores = await student.predict(xs.map((e) => e.text), { signal });
    const metrics = evaluate(xs.map((e) => labelIndex.get(e.label!)!), scores, labels);
    return { metrics: summarize(metrics), scores };
  };
  // Most confident mistakes first: when the budget cannot cover every error, these matter most.
  const errorsOf = (xs: Example[], scores: number[][]): LoopError[] => mistakesOf(xs, scores, labels);
  const trainingSet = (examples: Example[]): TrainingExample[] => examples.map((e) => ({
    text: e.text,
    label: e.label!,
    weight: e.provenance.source === 'seed' ? config.seedWeight : (e.provenance.confidence ?? 1),
  }));
  const train = (examples: Example[]) => deps.train(
    { labels, train: trainingSet(examples), val: val.map((e) => ({ text: e.text, label: e.label! })), seed: config.seed },
    { store, signal, onProgress: options.onProgress },
  );

  /** Teacher use of a set of jobs, read from the request journal so resumed jobs count once. */
  const teacherUse = async (projectId: string, jobIds: string[]): Promise<{ use: TeacherUse; rejected: Record<string, number>; requested: number; missing: Record<string, number> }> => {
    const use: TeacherUse = { requests: 0, attempts: 0, failedRequests: 0, failedByKind: {}, unfinishedRequests: 0, tokens: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
    const rejected: Record<string, number> = {};
    const missing: Record<string, number> = {};
    let requested = 0;
    for (const jobId of jobIds) {
      const journal = await store.listRequests(projectId, jobId);
      for (const r of journal) {
        use.requests++;
        const attempts = r.attempts ?? 1;
        use.attempts! += attempts;
        // Every failed attempt counts, not only requests that failed for good (older journals
        // without per-kind counts: every attempt but the one that succeeded).
        const failures = r.failures ?? { unknown: attempts - (r.status === 'done' ? 1 : 0) };
        for (const [k, v] of Object.entries(failures)) {
          if (!v) continue;
          use.failedRequests += v;
          use.failedByKind![k] = (use.failedByKind![k] ?? 0) + v;
        }
        if (r.status === 'failed') use.unfinishedRequests!++;
        use.promptTokens += r.promptTokens;
        use.completionTokens += r.completionTokens;
      }
      const c = countJournal(journal);
      requested += c.requested;
      for (const [k, v] of Object.entries(c.rejected)) rejected[k] = (rejected[k] ?? 0) + v;
      for (const [k, v] of Object.entries(c.missing)) missing[k] = (missing[k] ?? 0) + v;
    }
    use.tokens = use.promptTokens + use.completionTokens;
    use.cost = (use.promptTokens * config.price.input + use.completionTokens * config.price.output) / 1e6;
    return { use, rejected, requested, missing };
  };

  /**
   * Synthetic examples of rounds ≤ `round`, without exact copies of seeds or of earlier examples
   * (the teacher dedups within a job; across jobs and rounds it is the loop's business).
   */
  const synthetic = async (projectId: string, round: number): Promise<Example[]> => {
    const all = (await store.listExamples(projectId, { split: 'train' })).filter((e) => e.provenance.source !== 'seed' && e.provenance.round <= round);
    all.sort((a, b) => a.provenance.round - b.provenance.round || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const seen = new Set(seeds.map(textKey));
    return all.filter((e) => {
      const h = textKey(e);
      if (seen.has(h)) return false;
      seen.add(h);
      return true;
    });
  };

  const roundRecord = (r: number): RoundRecord => {
    let rec = state.rounds.find((x) => x.round === r);
    if (!rec) {
      rec = { round: r, added: {}, addedTotal: 0, rejected: {}, teacher: { requests: 0, failedRequests: 0, tokens: 0, promptTokens: 0, completionTokens: 0, cost: 0 }, drivenBy: [] };
      state.rounds.push(rec);
    }
    return rec;
  };

  /** One synthesis job, named `name` within its round (the job id and the checkpoint step). */
  const synthStep = async (round: number, name: string, strategy: Strategy, n: number, errors?: LoopError[]) => {
    const id = `r${round}.synth.${name}`;
    if (cp.done(id)) return;
    throwIfAborted(signal);
    let pool = strategy === 'annotate' ? unlabeled : undefined;
    if (pool && round > 0) {
      // A later round annotates texts earlier rounds did not (the pool's order is fixed, so its
      // first texts would be labeled again and dropped as duplicates).
      const done = new Set((await synthetic(config.projectId, round - 1)).map(textKey));
      pool = pool.filter((e) => !done.has(textKey(e)));
    }
    await deps.synthesize({
      projectId: config.projectId, jobId: synthJobId(config.runId, round, name), strategy, round, n, labels,
      seeds, unlabeled: pool, errors, avoidTexts,
    }, { store, signal, onProgress: options.onProgress });
    await cp.complete(id);
    step(id, round);
  };

  /** After a round's synthesis: what it added (deduplicated against earlier rounds) and what it cost. */
  const closeSynthesis = async (round: number, jobNames: string[]) => {
    const id = `r${round}.synth`;
    if (cp.done(id)) return;
    const before = round > 0 ? (await synthetic(config.projectId, round - 1)).length : 0;
    const now = await synthetic(config.projectId, round);
    const fresh = now.filter((e) => e.provenance.round === round);
    const stored = (await store.listExamples(config.projectId, { split: 'train', round })).filter((e) => e.provenance.source !== 'seed');
    const { use, rejected, requested, missing } = await teacherUse(config.projectId, jobNames.map((s) => synthJobId(config.runId, round, s)));
    const dropped = stored.length - fresh.length;
    if (dropped > 0) rejected['duplicate-of-earlier'] = (rejected['duplicate-of-earlier'] ?? 0) + dropped;
    await cp.complete(id, () => {
      const rec = roundRecord(round);
      rec.added = {};
      for (const e of fresh) rec.added[e.provenance.source] = (rec.added[e.provenance.source] ?? 0) + 1;
      rec.addedTotal = fresh.length;
      rec.rejected = rejected;
      rec.requested = requested;
      rec.missing = missing;
      rec.teacher = use;
      rec.trainSize = seeds.length + before + fresh.length;
    });
    step(id, round);
  };

  let student: TrainedStudent | undefined;
  const trainAndEvaluate = async (round: number) => {
    const trainedId = `r${round}.trained`;
    const modelId = `${config.runId}:r${round}`;
    if (!cp.done(trainedId)) {
      throwIfAborted(signal);
      const examples = [...seeds, ...(await synthetic(config.projectId, round))];
      student?.dispose();
      student = await train(examples);
      await store.putModel(await student.toRecord(modelId, config.projectId, config.runId));
      await cp.complete(trainedId, () => {
        const rec = roundRecord(round);
        rec.trainSize = examples.length;
        rec.modelId = modelId;
      });
      step(trainedId, round);
    }
    const evaluatedId = `r${round}.evaluated`;
    if (!cp.done(evaluatedId)) {
      throwIfAborted(signal);
      if (!student) {
        const record = await store.getModel(modelId);
        if (!record) throw new Error(`loop: checkpoint says round ${round} was trained but model ${modelId} is not in the store`);
        student = await deps.load(record);
      }
      const v = await assess(student, val);
      const t = test.length ? await assess(student, test) : undefined;
      await cp.complete(evaluatedId, (s) => {
        const rec = roundRecord(round);
        rec.val = v.metrics;
        rec.test = t?.metrics;
        rec.errors = errorsOf(val, v.scores);
        s.stop = stopRule(s, round);
      });
      step(evaluatedId, round);
      emit({ type: 'round', record: roundRecord(round) });
    }
  };

  const stopRule = (s: LoopState, round: number): LoopState['stop'] => {
    const spent = s.rounds.reduce((sum, r) => sum + r.addedTotal, 0);
    if (round >= config.rounds) return { reason: 'rounds', afterRound: round };
    if (spent >= config.budget) return { reason: 'budget', afterRound: round };
    if (!roundRecord(round).errors?.length) return { reason: 'no-errors', afterRound: round };
    // Rounds since validation macro-F1 last strictly improved (a tie is not an improvement).
    const f1s = s.rounds.filter((r) => r.val).sort((a, b) => a.round - b.round).map((r) => r.val!.macroF1);
    const sinceBest = f1s.length - 1 - f1s.indexOf(Math.max(...f1s));
    if (sinceBest >= config.patience) return { reason: 'patience', afterRound: round };
    return undefined;
  };

  // ---- baseline: seeds only -----------------------------------------------------------------------
  if (!cp.done('baseline.seedsOnly')) {
    throwIfAborted(signal);
    const s = await train(seeds);
    try {
      const v = await assess(s, val);
      const t = test.length ? await assess(s, test) : undefined;
      await cp.complete('baseline.seedsOnly', (st) => { st.baselines.seedsOnly = { val: v.metrics, test: t?.metrics, trainSize: seeds.length }; });
    } finally {
      s.dispose();
    }
    step('baseline.seedsOnly');
  }

  // ---- round 0 ----------------------------------------------------------------------------------
  const r0 = Object.entries(plan.round0).filter(([, n]) => (n ?? 0) > 0) as [Round0Strategy, number][];
  for (const [strategy, n] of r0) await synthStep(0, strategy, strategy, n);
  await closeSynthesis(0, r0.map(([s]) => s));
  await trainAndEvaluate(0);

  // ---- rounds 1..R: error extrapolation ------------------------------------------------------
  for (let round = 1; round <= config.rounds && !state.stop; round++) {
    const prev = roundRecord(round - 1);
    const spent = state.rounds.filter((r) => r.round >= 1).reduce((sum, r) => sum + r.addedTotal, 0);
    const n = Math.min(roundBudget(plan, config.rounds, round, spent), config.budget - state.rounds.reduce((s, r) => s + r.addedTotal, 0));
    if (!cp.done(`r${round}.plan`)) {
      // The teacher makes `perError` examples like each error (most confident mistakes first);
      // when the round's budget does not divide evenly, the first `extra` get one more (a second,
      // smaller job); beyond `maxPerError` per error the round is filled with fresh examples.
      const errors = prev.errors ?? [];
      const p = planRound(n, errors.length, config.maxPerError, round0Mix(config, unlabeled.length > 0));
      await cp.complete(`r${round}.plan`, () => { Object.assign(roundRecord(round), { drivenBy: errors.slice(0, p.drivers), perError: p.perError, extra: p.extra, fresh: p.fresh }); });
      step(`r${round}.plan`, round);
    }
    const rec = roundRecord(round);
    const jobs: string[] = [];
    if (rec.perError) {
      jobs.push('extrapolate');
      await synthStep(round, 'extrapolate', 'extrapolate', rec.perError, rec.drivenBy);
    }
    if (rec.extra) {
      jobs.push('extrapolate-extra');
      await synthStep(round, 'extrapolate-extra', 'extrapolate', 1, rec.drivenBy.slice(0, rec.extra));
    }
    for (const [strategy, k] of Object.entries(rec.fresh ?? {}) as [Round0Strategy, number | undefined][]) {
      if (!k) continue;
      jobs.push(`fresh-${strategy}`);
      await synthStep(round, `fresh-${strategy}`, strategy, k);
    }
    await closeSynthesis(round, jobs);
    await trainAndEvaluate(round);
  }
  student?.dispose();
  student = undefined;

  // ---- baseline: the same budget on plain generation ----------------------------------------
  if (config.generationBaseline && !cp.done('baseline.generationOnly')) {
    const projectId = `${config.projectId}:generation-baseline`;
    const jobId = synthJobId(config.runId, 0, 'baseline-generate');
    if (!cp.done('baseline.generationOnly.synth')) {
      throwIfAborted(signal);
      // Dated just before the run's own project, so tools that open a run folder's newest project
      // (`distillery export --run DIR`) find the loop's student, not this baseline.
      const main = await store.getProject(config.projectId);
      const at = new Date(Date.parse(main?.createdAt ?? new Date().toISOString()) - 1).toISOString();
      await store.putProject({ id: projectId, name: `${config.runId} (generation baseline)`, createdAt: at, updatedAt: at, labels, settings: { loop: config.runId, baselineOf: config.projectId } });
      await store.putExamples(projectId, seeds);
      await deps.synthesize({ projectId, jobId, strategy: 'generate', round: 0, n: config.budget, labels, seeds, avoidTexts }, { store, signal, onProgress: options.onProgress });
      await cp.complete('baseline.generationOnly.synth');
      step('baseline.generationOnly.synth');
    }
    throwIfAborted(signal);
    const gen = await synthetic(projectId, 0);
    const s = await train([...seeds, ...gen]);
    try {
      const v = await assess(s, val);
      const t = test.length ? await assess(s, test) : undefined;
      const { use } = await teacherUse(projectId, [jobId]);
      const rec: BaselineRecord = { val: v.metrics, test: t?.metrics, trainSize: seeds.length + gen.length, added: gen.length, teacher: use };
      await cp.complete('baseline.generationOnly', (st) => { st.baselines.generationOnly = rec; });
    } finally {
      s.dispose();
    }
    step('baseline.generationOnly');
  }

  // ---- finish: keep the best round on validation --------------------------------------------
  await cp.complete('done', (s) => {
    const evaluated = s.rounds.filter((r) => r.val);
    let best = evaluated[0];
    for (const r of evaluated) if (r.val!.macroF1 >= best.val!.macroF1) best = r;
    s.finalRound = best.round;
    s.stop ??= { reason: 'rounds', afterRound: best.round };
  }, 'done');
  step('done');
  emit({ type: 'done', state });
  return state;
}
