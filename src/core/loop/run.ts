/**
 * The distillation run (Kaddour & Liu 2023 for round 0, S3 / Wang et al. 2023 for the rounds):
 *   round 0   synthesize with the chosen mix → train on seeds + synthetic → evaluate on validation
 *   round r   extrapolate from the validation errors → retrain from scratch on everything → evaluate
 * until R rounds, the budget, or `patience` rounds without a better selection macro-F1.
 * Validation is split in two halves (dataset/split.ts validationHalves): the errors of the
 * extrapolation half drive the rounds; the selection half, never shown to the teacher, chooses each
 * student's epoch and the round that is kept. (S3 chooses on the texts it extrapolated from, whose
 * score then rises with every round whether the student got better or not.) The test set is never
 * shown to the teacher and never decides anything: it is only reported.
 * The run works on a project (prepare.ts): its seeds, validation, test and unlabeled pool are the
 * project's, and what the teacher makes goes into the project, settled after each round
 * (adopt.ts). Every finished step is checkpointed in the store (see state.ts); calling `runLoop`
 * again with the same config and store continues where the last call stopped.
 */
import type { Example, Strategy } from '../dataset/example.js';
import { sameTextKey, textHash } from '../dataset/hash.js';
import { throwIfAborted, UserError } from '../errors.js';
import { mistakesOf } from '../student/mistakes.js';
import type { LongOpOptions } from '../progress.js';
import type { LoopRunRecord, Store } from '../store/store.js';
import { scoredOn } from '../student/intervals.js';
import { argmax, evaluate, type SetRole } from '../student/metrics.js';
import { validationHalves } from '../dataset/split.js';
import { NO_OVERLAP } from '../dataset/overlap.js';
import { adoptRun } from './adopt.js';
import { planBudget, planRound, round0Mix, roundBudget, type LoopConfig, type Round0Strategy } from './config.js';
import type { LoopDeps, LoopError, TrainedStudent, TrainingExample } from './deps.js';
import type { LoopEvent } from './events.js';
import { teacherUse } from './journal.js';
import { dataFingerprint, isFromRun, loopRoles, prepareLoopProject } from './prepare.js';
import type { BaselineRecord, LoopState, MetricsSummary, RoundRecord } from './state.js';
import { Checkpoint, getLoopRun, loopTrainingKey } from './checkpoint.js';
import { labelSet, validateSetup, type LoopData } from './validate.js';
import { keptRound } from './keep.js';

export interface LoopOptions extends LongOpOptions {
  store: Store;
  deps: LoopDeps;
  onEvent?: (e: LoopEvent) => void;
}

function summarize(m: ReturnType<typeof evaluate>, role: SetRole, texts: string[]): MetricsSummary {
  const { labels, accuracy, macroF1, confusion, perClass, n } = m;
  return scoredOn({ labels, accuracy, macroF1, confusion, perClass, n }, role, texts);
}

export function synthJobId(runId: string, round: number, strategy: string): string {
  return `${runId}:r${round}:${strategy}`;
}

/** Examples with the same text up to case and surrounding space are one example to the loop. */
const textKey = (e: Example) => sameTextKey(e.text);

/**
 * Runs (or resumes) the loop on project `config.projectId`. `data`: the run's files, for a project
 * to be made from them (the CLI, tests); without it the project must exist (the app's own).
 */
export async function runLoop(config: LoopConfig, data: LoopData | undefined, options: LoopOptions): Promise<LoopState> {
  const { store, deps, signal } = options;
  const emit = (e: LoopEvent) => options.onEvent?.(e);
  if (data) await prepareLoopProject(store, config, data);
  const roles = await loopRoles(store, config.projectId);
  const labels = labelSet(roles);
  // The unlabeled pool is left out: annotation labels its texts as the run goes.
  const fingerprint = textHash(JSON.stringify(config) + dataFingerprint([roles.seeds, roles.val, roles.test]) + labels.join('\u0000'));
  const plan = planBudget(config, !!roles.unlabeled?.length);

  // ---- checkpoint: load or start -------------------------------------------------------------
  let run: LoopRunRecord | undefined = await getLoopRun(store, config.runId);
  if (run) {
    if (run.state.fingerprint !== fingerprint) {
      throw new UserError('run-changed', `The run '${config.runId}' in this store was started with different settings or files.`, 'Run the same command as before to resume it, or use a new output folder for a new run.');
    }
  } else {
    validateSetup(config, roles);
    const now = new Date().toISOString();
    // Halves only where a round extrapolates: without one, no validation text reaches the teacher,
    // and all of it choosing the epoch is a steadier choice than half of it (SST-2, 8 seeds + 32
    // validation texts per class, generation at B = 1,000, 3 draws: 71.9% test on the selection half).
    const halves = config.rounds > 0 ? validationHalves(roles.val ?? []) : undefined;
    const state: LoopState = {
      version: 1, fingerprint, config, labels, steps: [], jobs: [], rounds: [], baselines: {},
      overlap: roles.overlap, ...(halves ? { validation: { extrapolation: halves.extrapolation.length, selection: halves.selection.length } } : {}),
    };
    run = { id: config.runId, projectId: config.projectId, kind: 'loop', status: 'running', createdAt: now, updatedAt: now, state };
  }
  const cp = new Checkpoint(store, run);
  const state = cp.state;
  if (state.steps.includes('done')) return state;
  await cp.save('running');
  emit({ type: 'setup', overlap: state.overlap ?? { ...NO_OVERLAP }, validation: state.validation ?? null });
  const step = (id: string, round?: number) => {
    emit({ type: 'step', step: id, round });
    options.onProgress?.({ phase: 'loop', done: state.steps.length, total: 0, detail: { step: id, round } });
    // The step is durable by now, so a cancel here loses nothing.
    if (id !== 'done') throwIfAborted(signal);
  };

  // ---- prepare: the data and its roles (read from the project above) -----------------------------
  if (!cp.done('prepare')) {
    await cp.complete('prepare');
    step('prepare');
  }
  const seeds = roles.seeds;
  const val = roles.val ?? [];
  const test = roles.test ?? [];
  const unlabeled = roles.unlabeled ?? [];
  const avoidTexts = [...val, ...test].map((e) => e.text);
  // S3 without fooling itself: the errors of one half of validation go to the teacher; the other
  // half, never shown to it, chooses the epoch and the round. Runs started before the halves keep
  // doing both on all of validation, as they began.
  const halves = state.validation ? validationHalves(val) : undefined;
  const drive = halves ? halves.extrapolation : val;
  const select = halves ? halves.selection : val;
  const selectRole: SetRole = halves ? 'selection' : 'validation';

  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const assess = async (student: TrainedStudent, xs: Example[], role: SetRole) => {
    const texts = xs.map((e) => e.text);
    const scores = await student.predict(texts, { signal });
    const metrics = evaluate(xs.map((e) => labelIndex.get(e.label!)!), scores, labels);
    return { metrics: summarize(metrics, role, texts), scores };
  };
  // Most confident mistakes first: when the budget cannot cover every error, these matter most.
  const errorsOf = (xs: Example[], scores: number[][]): LoopError[] => mistakesOf(xs, scores, labels);
  const trainingSet = (examples: Example[]): TrainingExample[] => examples.map((e) => ({
    text: e.text,
    label: e.label!,
    weight: e.provenance.source === 'seed' ? config.seedWeight : (e.provenance.confidence ?? 1),
  }));
  /** `training`: its name in the run (checkpoint.ts loopTrainingKey). */
  const train = (examples: Example[], training: string) => deps.train(
    {
      labels, train: trainingSet(examples), val: select.map((e) => ({ text: e.text, label: e.label! })), seed: config.seed,
      projectId: config.projectId, key: loopTrainingKey(config.runId, training),
    },
    { store, signal, onProgress: options.onProgress },
  );

  /**
   * This run's teacher examples of rounds ≤ `round`, without exact copies of seeds or of earlier
   * examples (the teacher dedups within a job; the project's own copies are settled by adoptRun
   * after each round, the baseline's here).
   */
  const synthetic = async (projectId: string, round: number): Promise<Example[]> => {
    const all = (await store.listExamples(projectId, { split: 'train' })).filter((e) => isFromRun(e, config.runId) && e.provenance.round <= round);
    all.sort((a, b) => a.provenance.round - b.provenance.round || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const seen = new Set(seeds.map(textKey));
    return all.filter((e) => {
      const h = textKey(e);
      if (seen.has(h)) return false;
      seen.add(h);
      return true;
    });
  };

  /** The unlabeled texts no earlier round of this run labeled, for round `round`'s annotation. */
  const poolLeft = async (round: number): Promise<Example[]> => {
    if (round === 0) return unlabeled;
    const done = new Set((await synthetic(config.projectId, round - 1)).map(textKey));
    return unlabeled.filter((e) => !done.has(textKey(e)));
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
    const jobId = synthJobId(config.runId, round, name);
    if (!state.jobs?.some((j) => j.id === jobId)) {
      // Listed before it starts, so a front that reloads mid-job knows which journal to count.
      await cp.save(undefined, (s) => { (s.jobs ??= []).push({ id: jobId, round, name, strategy }); });
    }
    // A later round annotates texts earlier rounds did not (the pool's order is fixed, so its
    // first texts would be labeled again and dropped as duplicates).
    const pool = strategy === 'annotate' ? await poolLeft(round) : undefined;
    if (pool && !pool.length) {
      // Every unlabeled text is labeled already (a plan made before that was known): nothing to ask.
      await cp.complete(id);
      step(id, round);
      return;
    }
    await deps.synthesize({
      projectId: config.projectId, jobId, strategy, round, n, labels,
      seeds, unlabeled: pool, errors, avoidTexts,
    }, { store, signal, onProgress: options.onProgress });
    await cp.complete(id);
    step(id, round);
  };

  /**
   * After a round's synthesis: its examples settled into the project (adopt.ts: duplicates gone,
   * unlabeled texts labeled), what that added, and what it cost.
   */
  const closeSynthesis = async (round: number, jobNames: string[]) => {
    const id = `r${round}.synth`;
    if (cp.done(id)) return;
    const adopted = await adoptRun(store, config.projectId, config.runId, [round]);
    const before = round > 0 ? (await synthetic(config.projectId, round - 1)).length : 0;
    const { use, rejected, accepted, requested, missing } = await teacherUse(store, config.projectId, jobNames.map((s) => synthJobId(config.runId, round, s)), config.price);
    const added = adopted.added + adopted.labeled;
    const dropped = accepted - added;
    if (dropped > 0) rejected['duplicate-of-earlier'] = (rejected['duplicate-of-earlier'] ?? 0) + dropped;
    await cp.complete(id, () => {
      const rec = roundRecord(round);
      rec.added = adopted.bySource;
      rec.addedTotal = added;
      rec.labeled = adopted.labeled;
      rec.rejected = rejected;
      rec.requested = requested;
      rec.missing = missing;
      rec.teacher = use;
      rec.trainSize = seeds.length + before + added;
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
      student = await train(examples, `r${round}`);
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
      const v = await assess(student, select, selectRole);
      const x = halves && drive.length ? await assess(student, drive, 'extrapolation') : undefined;
      const t = test.length ? await assess(student, test, 'test') : undefined;
      await cp.complete(evaluatedId, (s) => {
        const rec = roundRecord(round);
        rec.val = v.metrics;
        rec.selectionPredicted = v.scores.map((s) => argmax(s).index);
        rec.extrapolation = x?.metrics;
        rec.test = t?.metrics;
        rec.errors = halves ? (x ? errorsOf(drive, x.scores) : []) : errorsOf(val, v.scores);
        s.stop = stopRule(s, round);
      });
      step(evaluatedId, round);
      emit({ type: 'round', record: roundRecord(round) });
    }
    if (deps.keepModels === 'best') await dropBeaten();
  };

  /** The round the run keeps so far (keep.ts: the latest within one standard error of the best). */
  const selectTruth = select.map((e) => labelIndex.get(e.label!)!);
  const keptSoFar = (s: LoopState) => keptRound(
    s.rounds.filter((r) => r.val).map((r) => ({ round: r.round, macroF1: r.val!.macroF1, predicted: r.selectionPredicted })),
    selectTruth, labels.length,
  );

  /**
   * Deletes the stored students of evaluated rounds other than the one the run keeps so far, so the
   * store holds one round's student (keep.ts shows the kept round is always the one kept before or
   * the newest, so nothing deleted is needed again). Done after the evaluation is durable, and again
   * on a resume: a crash in between only leaves one to delete.
   */
  const dropBeaten = async () => {
    const kept = keptSoFar(state);
    for (const r of state.rounds) if (r.val && r.round !== kept && r.modelId) await store.deleteModel(r.modelId);
  };

  const stopRule = (s: LoopState, round: number): LoopState['stop'] => {
    const spent = s.rounds.reduce((sum, r) => sum + r.addedTotal, 0);
    if (round >= config.rounds) return { reason: 'rounds', afterRound: round };
    if (spent >= config.budget) return { reason: 'budget', afterRound: round };
    // A student with no error on the extrapolation half does not stop the loop: the next round has
    // nothing to extrapolate, so planRound makes it all fresh examples, as for a validation set too
    // small to spare extrapolation texts. Stopping left the budget unspent (SST-2 draw 4: 750 of
    // 1,000) and S3 compared with generation on fewer examples; patience still stops a loop the
    // rounds no longer improve.
    // Rounds since selection macro-F1 last strictly improved (a tie is not an improvement).
    const f1s = s.rounds.filter((r) => r.val).sort((a, b) => a.round - b.round).map((r) => r.val!.macroF1);
    const sinceBest = f1s.length - 1 - f1s.indexOf(Math.max(...f1s));
    if (sinceBest >= config.patience) return { reason: 'patience', afterRound: round };
    return undefined;
  };

  // ---- baseline: seeds only -----------------------------------------------------------------------
  if (!cp.done('baseline.seedsOnly')) {
    throwIfAborted(signal);
    const s = await train(seeds, 'seeds-only');
    try {
      const v = await assess(s, select, selectRole);
      const t = test.length ? await assess(s, test, 'test') : undefined;
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
      // Fresh examples are shared like round 0, less annotation once every unlabeled text is labeled.
      let mix = round0Mix(config, unlabeled.length > 0);
      if (mix.annotate && !(await poolLeft(round)).length) {
        const rest = Object.entries(mix).filter(([k]) => k !== 'annotate') as [Round0Strategy, number][];
        const sum = rest.reduce((t, [, w]) => t + w, 0);
        mix = Object.fromEntries(rest.map(([k, w]) => [k, w / sum]));
      }
      const p = planRound(n, errors.length, config.maxPerError, mix);
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
      await store.putProject({ id: projectId, name: `${config.runId} (generation baseline)`, createdAt: at, updatedAt: at, labels, settings: { baselineOf: config.projectId } });
      await store.putExamples(projectId, seeds);
      await deps.synthesize({ projectId, jobId, strategy: 'generate', round: 0, n: config.budget, labels, seeds, avoidTexts }, { store, signal, onProgress: options.onProgress });
      await cp.complete('baseline.generationOnly.synth');
      step('baseline.generationOnly.synth');
    }
    throwIfAborted(signal);
    const gen = await synthetic(projectId, 0);
    const s = await train([...seeds, ...gen], 'generation-only');
    try {
      const v = await assess(s, select, selectRole);
      const t = test.length ? await assess(s, test, 'test') : undefined;
      const { use } = await teacherUse(store, projectId, [jobId], config.price);
      const rec: BaselineRecord = { val: v.metrics, test: t?.metrics, trainSize: seeds.length + gen.length, added: gen.length, teacher: use };
      await cp.complete('baseline.generationOnly', (st) => { st.baselines.generationOnly = rec; });
    } finally {
      s.dispose();
    }
    step('baseline.generationOnly');
  }

  // ---- finish: keep the latest round within one standard error of the best (keep.ts) -----------
  await cp.complete('done', (s) => {
    s.finalRound = keptSoFar(s);
    s.stop ??= { reason: 'rounds', afterRound: s.finalRound };
  }, 'done');
  step('done');
  emit({ type: 'done', state });
  return state;
}
