/**
 * The loop's orchestration with small fakes for the teacher and the student (the real ones are
 * exercised in loop-cli.test.ts): budget accounting, the test set never reaching the teacher,
 * extrapolation from the previous round's errors, the stop rule, checkpoints and resume.
 */
import { describe, expect, it } from 'vitest';
import { isAbortError } from '../../src/core/errors.js';
import { planBudget, planRound } from '../../src/core/loop/config.js';
import type { LoopDeps, SynthJob } from '../../src/core/loop/deps.js';
import { loopSummary } from '../../src/core/loop/report.js';
import { runLoop } from '../../src/core/loop/run.js';
import { loopRoles } from '../../src/core/loop/prepare.js';
import { getLoopRun } from '../../src/core/loop/checkpoint.js';
import type { LoopState } from '../../src/core/loop/state.js';
import { MemoryStore } from '../../src/core/store/memory.js';
import { config, data, ex, fakeDeps, worseAfterRound0, wrongOnSelection, WORDS } from './loop-fakes.js';

function counts(state: LoopState) {
  return state.rounds.map((r) => ({ round: r.round, added: r.addedTotal, bySource: r.added, train: r.trainSize, driven: r.drivenBy.map((e) => e.id) }));
}

describe('an extrapolation round\'s plan', () => {
  it('asks up to maxPerError examples like each error and fills the rest of the round with fresh ones, shared like round 0', () => {
    expect(planRound(250, 18, 5, { generate: 1 })).toEqual({ drivers: 18, perError: 5, extra: 0, fresh: { generate: 160 } });
    expect(planRound(100, 10, 5, { generate: 0.5, rationale: 0.5 })).toEqual({ drivers: 10, perError: 5, extra: 0, fresh: { generate: 25, rationale: 25 } });
  });

  it('spends a small round on the errors alone, the most confident ones getting one more', () => {
    expect(planRound(23, 10, 5, { generate: 1 })).toEqual({ drivers: 10, perError: 2, extra: 3, fresh: {} });
    expect(planRound(4, 10, 5, { generate: 1 })).toEqual({ drivers: 4, perError: 1, extra: 0, fresh: {} });
  });

  it('makes only fresh examples when there is no error to extrapolate from', () => {
    expect(planRound(10, 0, 5, { generate: 1 })).toEqual({ drivers: 0, perError: 0, extra: 0, fresh: { generate: 10 } });
  });
});

describe('distillation loop', () => {
  it('fills an extrapolation round past maxPerError with fresh examples of the round-0 mix, annotating texts not yet annotated', async () => {
    const jobs: SynthJob[] = [];
    const state = await runLoop(config({ strategy: 'mix', mix: { annotate: 1, generate: 3 }, rounds: 1, budget: 40, maxPerError: 1 }), data(), { store: new MemoryStore(), deps: fakeDeps(jobs) });
    const r1 = jobs.filter((j) => j.round === 1);
    const extrapolate = r1.find((j) => j.strategy === 'extrapolate')!;
    expect(extrapolate.n).toBe(1);
    const fresh = r1.filter((j) => j.strategy !== 'extrapolate');
    expect(fresh.map((j) => j.strategy).sort()).toEqual(['annotate', 'generate']);
    expect(extrapolate.errors!.length + fresh.reduce((n, j) => n + j.n, 0)).toBe(20);
    // Round 0 annotated 5 of the 12 unlabeled texts; round 1 is offered the other 7.
    const annotated0 = jobs.find((j) => j.round === 0 && j.strategy === 'annotate')!;
    const firstTexts = new Set(annotated0.unlabeled!.slice(0, annotated0.n).map((e) => e.text));
    const offered = fresh.find((j) => j.strategy === 'annotate')!.unlabeled!;
    expect(offered).toHaveLength(12 - annotated0.n);
    for (const e of offered) expect(firstTexts.has(e.text)).toBe(false);
    expect(state.rounds[1].fresh).toEqual({ annotate: expect.any(Number), generate: expect.any(Number) });
  });

  it('runs round 0 and S3 rounds within the budget, extrapolating from the previous round\'s validation errors', async () => {
    const store = new MemoryStore();
    const jobs: SynthJob[] = [];
    const state = await runLoop(config(), data(), { store, deps: fakeDeps(jobs) });
    const plan = planBudget(config(), true);
    expect(plan).toEqual({ round0: { generate: 20 }, extrapolation: 20 });
    expect(state.rounds[0].added).toEqual({ generated: 20 });
    const total = state.rounds.reduce((s, r) => s + r.addedTotal, 0);
    expect(total).toBeLessThanOrEqual(40);
    expect(state.rounds.length).toBeGreaterThanOrEqual(2);
    // Round 1 extrapolates from exactly the errors round 0's student made on the extrapolation half of validation.
    const r1 = jobs.find((j) => j.round === 1)!;
    expect(r1.strategy).toBe('extrapolate');
    expect(r1.errors!.map((e) => e.id)).toEqual(state.rounds[0].errors!.map((e) => e.id));
    // Round 1's share (half of the 20 left for S3): up to maxPerError like each error, the rest fresh.
    const extra = jobs.filter((j) => j.round === 1 && j.jobId.endsWith('extrapolate-extra'));
    const fresh = jobs.filter((j) => j.round === 1 && j.strategy !== 'extrapolate').reduce((t, j) => t + j.n, 0);
    expect(r1.n * r1.errors!.length + (extra[0]?.errors!.length ?? 0) + fresh).toBe(10);
    expect(state.rounds[1].addedTotal).toBe(10);
    expect(state.rounds[0].errors!.length).toBeGreaterThan(0);
    for (const e of r1.errors!) expect(e.id.startsWith('val:')).toBe(true);
    // Extrapolating from the errors fixes them: the half they came from scores better than in round 0
    // (which is why that half never chooses anything).
    const last = state.rounds[state.rounds.length - 1];
    expect(last.extrapolation!.accuracy).toBeGreaterThan(state.rounds[0].extrapolation!.accuracy);
    // Teacher use comes from the journal: 5 examples per request, 150 tokens each.
    const s = loopSummary(state);
    expect(s.teacher.requests).toBe(jobs.reduce((n, j) => n + Math.ceil((j.strategy === 'extrapolate' ? j.errors!.length * j.n : j.n) / 5), 0));
    expect(s.teacher.tokens).toBe(150 * s.teacher.requests);
    expect(s.baseline.seedsOnly.test).not.toBeNull();
    expect(state.steps.at(-1)).toBe('done');
  });

  it('never shows the test set to the teacher, and passes validation and test texts to the leakage guard', async () => {
    const jobs: SynthJob[] = [];
    const d = data();
    d.unlabeled = d.unlabeled!.filter((u) => /^(good|bad) /.test(u.text));
    await runLoop(config({ strategy: 'mix', mix: { generate: 1, annotate: 1, rationale: 1 }, budget: 60 }), d, { store: new MemoryStore(), deps: fakeDeps(jobs) });
    expect(new Set(jobs.map((j) => j.strategy))).toEqual(new Set(['generate', 'annotate', 'rationale', 'extrapolate']));
    for (const j of jobs) {
      const shown = JSON.stringify([j.seeds, j.unlabeled ?? [], j.errors ?? []]);
      expect(shown).not.toContain('TESTONLY');
      expect(j.avoidTexts.filter((t) => t.includes('TESTONLY'))).toHaveLength(4);
      expect(j.avoidTexts).toContain('fine show');
      for (const seed of j.seeds) expect(seed.split).toBe('train');
    }
  });

  it('with --rounds 0 spends the whole budget in round 0 and never extrapolates', async () => {
    const jobs: SynthJob[] = [];
    const state = await runLoop(config({ rounds: 0, budget: 30 }), data(), { store: new MemoryStore(), deps: fakeDeps(jobs) });
    expect(jobs.map((j) => [j.strategy, j.n])).toEqual([['generate', 30]]);
    expect(state.rounds).toHaveLength(1);
    expect(state.stop?.reason).toBe('rounds');
  });

  it('holds out a stratified validation split from the seeds when no validation file is given', async () => {
    const d = data();
    const seeds = [...d.seeds, ex('s5', 'fine thing', 'pos'), ex('s6', 'poor thing', 'neg'), ex('s7', 'nice one', 'pos'), ex('s8', 'dull one', 'neg')];
    const store = new MemoryStore();
    const jobs: SynthJob[] = [];
    await runLoop(config({ rounds: 0, budget: 10 }), { seeds, test: d.test }, { store, deps: fakeDeps(jobs) });
    // The one rule (dataset/split.ts), applied to the project's real examples: 20% of each class, at least one.
    const roles = await loopRoles(store, 'p');
    const val = roles.val!;
    expect(val.map((e) => e.label).sort()).toEqual(['neg', 'pos']);
    expect(roles.seeds).toHaveLength(6);
    // Validation texts are never few-shot examples for the teacher.
    const valTexts = new Set(val.map((e) => e.text));
    for (const j of jobs) for (const s of j.seeds) expect(valTexts.has(s.text)).toBe(false);
  });

  it('keeps the texts whose errors drive extrapolation apart from the texts that choose the epoch and the round', async () => {
    const jobs: SynthJob[] = [];
    const deps = fakeDeps(jobs);
    const chosenOn: string[][] = [];
    const d = data();
    // Eight validation texts per class, so each half has four.
    d.val = [...d.val!, ...['good', 'great', 'nice', 'lovely', 'superb'].map((w, i) => ex(`vp${i}`, `${w} song`, 'pos')), ...['bad', 'awful', 'weak', 'grim', 'dull'].map((w, i) => ex(`vn${i}`, `${w} song`, 'neg'))];
    const state = await runLoop(config({ rounds: 2, budget: 60, patience: 9 }), d, {
      store: new MemoryStore(), deps: { ...deps, train: (input, o) => { chosenOn.push(input.val.map((e) => e.text)); return deps.train(input, o); } },
    });
    expect(state.validation).toEqual({ extrapolation: 8, selection: 8 });
    const drove = new Set(jobs.flatMap((j) => j.errors ?? []).map((e) => e.text));
    expect(drove.size).toBeGreaterThan(0);
    // Every student's early stopping, and the round chosen, rest on the selection half only.
    expect(chosenOn.length).toBeGreaterThanOrEqual(3);
    for (const texts of chosenOn) {
      expect(texts).toHaveLength(8);
      for (const t of texts) expect(drove.has(t)).toBe(false);
    }
    const selection = new Set(chosenOn[0]);
    for (const r of state.rounds) {
      expect(r.val!.n).toBe(8);
      expect(r.val!.set?.role).toBe('selection');
      expect(r.extrapolation!.set?.role).toBe('extrapolation');
      for (const e of r.errors ?? []) expect(selection.has(e.text)).toBe(false);
    }
    // Each score carries its 95% interval.
    expect(state.rounds[0].val!.intervals!.accuracy[0]).toBeLessThanOrEqual(state.rounds[0].val!.accuracy);
    expect(loopSummary(state).validation).toEqual({ extrapolation: 8, selection: 8 });
  });

  it('without extrapolation rounds, chooses the epoch on all of validation (no text of it reaches the teacher)', async () => {
    const deps = fakeDeps();
    const chosenOn: number[] = [];
    const d = data();
    const state = await runLoop(config({ rounds: 0, budget: 10 }), d, {
      store: new MemoryStore(), deps: { ...deps, train: (input, o) => { chosenOn.push(input.val.length); return deps.train(input, o); } },
    });
    expect(state.validation).toBeUndefined();
    expect(chosenOn.length).toBeGreaterThan(0);
    for (const n of chosenOn) expect(n).toBe(d.val!.length);
    expect(state.rounds[0].val!.n).toBe(d.val!.length);
    expect(state.rounds[0].val!.set?.role).toBe('validation');
  });

  it('keeps the round that is best on the selection half, not the one whose extrapolated texts it learned', async () => {
    const d = data();
    d.val = [...d.val!, ex('v6', 'nice song', 'pos'), ex('v7', 'weak song', 'neg')];
    // A student that learns the extrapolated near-copies and gets the selection texts wrong for it:
    // its extrapolation score rises with every round while its selection score falls.
    const state = await runLoop(config({ rounds: 2, budget: 60, patience: 9 }), d, { store: new MemoryStore(), deps: worseAfterRound0() });
    const r = state.rounds;
    expect(r.length, JSON.stringify(state.stop)).toBeGreaterThanOrEqual(2);
    for (const later of r.slice(1)) {
      expect(later.val!.macroF1).toBeLessThan(r[0].val!.macroF1);
      expect(later.extrapolation!.accuracy).toBeGreaterThanOrEqual(r[0].extrapolation!.accuracy);
    }
    expect(state.finalRound).toBe(0);
  });

  it('keeps the latest round when an earlier one is better on the selection half by less than the noise, and stores only its student', async () => {
    const d = data();
    d.val = [...d.val!, ex('v6', 'nice song', 'pos'), ex('v7', 'weak song', 'neg')];
    const store = new MemoryStore();
    // Round 0 misses one selection text; the later rounds miss two others: one text worse, on a
    // selection half of four texts, where that is noise (the one-standard-error rule, keep.ts).
    const deps = { ...wrongOnSelection([0], [1, 2]), keepModels: 'best' as const };
    const state = await runLoop(config({ rounds: 2, budget: 60, patience: 9 }), d, { store, deps });
    const r = state.rounds;
    expect(r.length, JSON.stringify(state.stop)).toBeGreaterThanOrEqual(2);
    expect(state.validation!.selection).toBe(4);
    for (const later of r.slice(1)) expect(later.val!.macroF1).toBeLessThan(r[0].val!.macroF1);
    const last = r[r.length - 1];
    expect(state.finalRound).toBe(last.round);
    expect(last.selectionPredicted).toHaveLength(4);
    const models = await store.listModels('p');
    expect(models.map((m) => m.id)).toEqual([last.modelId]);
  });

  it('leaves out of its seeds the texts that are also validation or test texts, and records how many', async () => {
    const jobs: SynthJob[] = [];
    const d = data();
    d.seeds.push(ex('s5', ' Fine Show', 'pos'), ex('s6', 'weak play TESTONLY', 'neg'));
    const events: unknown[] = [];
    const state = await runLoop(config({ rounds: 0, budget: 10 }), d, { store: new MemoryStore(), deps: fakeDeps(jobs), onEvent: (e) => { if (e.type === 'setup') events.push(e); } });
    expect(state.overlap).toEqual({ val: 1, test: 1 });
    // Without extrapolation rounds no validation text reaches the teacher: all of it chooses.
    expect(events).toEqual([{ type: 'setup', overlap: { val: 1, test: 1 }, validation: null }]);
    expect(loopSummary(state).overlap).toEqual({ val: 1, test: 1 });
    for (const j of jobs) expect(j.seeds.map((e) => e.text)).not.toContain(' Fine Show');
    expect(state.baselines.seedsOnly!.trainSize).toBe(4);
  });

  it('stops when validation macro-F1 has not improved for `patience` rounds', async () => {
    // A student that never changes: round 1 cannot improve, so patience 1 stops after it.
    const deps = fakeDeps();
    const frozen: LoopDeps = { ...deps, train: (input, o) => deps.train({ ...input, train: input.train.filter((e) => e.weight === 1 && /^(good|great|bad|awful) (film|day)$/.test(e.text)) }, o) };
    const state = await runLoop(config({ rounds: 5, budget: 100, patience: 1 }), data(), { store: new MemoryStore(), deps: frozen });
    expect(state.stop).toEqual({ reason: 'patience', afterRound: 1 });
    expect(state.rounds).toHaveLength(2);
    expect(state.finalRound).toBe(1);
  });

  it('spends the budget on fresh examples after a round whose student made no error to extrapolate from', async () => {
    // A student right on every validation text: round 0 leaves no error, so round 1 is all fresh.
    const d = data();
    const truth = new Map(d.val!.map((e) => [e.text, e.label!]));
    const jobs: SynthJob[] = [];
    const deps = fakeDeps(jobs);
    const perfect: LoopDeps = {
      ...deps,
      async train(input, o) {
        const s = await deps.train(input, o);
        return { ...s, predict: async (texts, po) => (await s.predict(texts, po)).map((row, i) => (truth.has(texts[i]!) ? input.labels.map((l) => (l === truth.get(texts[i]!) ? 0.9 : 0.1)) : row)) };
      },
    };
    const state = await runLoop(config({ rounds: 2, budget: 40, patience: 9 }), d, { store: new MemoryStore(), deps: perfect });
    expect(state.rounds[0].errors).toEqual([]);
    expect(jobs.filter((j) => j.round >= 1).map((j) => j.strategy)).toEqual(['generate', 'generate']);
    expect(state.rounds.reduce((t, r) => t + r.addedTotal, 0)).toBe(40);
    expect(state.stop).toEqual({ reason: 'rounds', afterRound: 2 });
  });

  it('stops when the budget is spent', async () => {
    const state = await runLoop(config({ rounds: 20, budget: 20, round0Fraction: 0.5, patience: 99 }), data(), { store: new MemoryStore(), deps: fakeDeps() });
    expect(state.rounds.reduce((s, r) => s + r.addedTotal, 0)).toBeLessThanOrEqual(20);
    expect(state.stop?.reason).toBe('budget');
  });

  it('reports the same budget spent on plain generation when asked', async () => {
    const state = await runLoop(config({ generationBaseline: true }), data(), { store: new MemoryStore(), deps: fakeDeps() });
    const s = loopSummary(state);
    expect(s.baseline.generationOnly?.added).toBe(40);
    expect(s.baseline.generationOnly?.test).not.toBeNull();
  });

  it('resumes after being cut off at every step with the same final counts as an uninterrupted run', async () => {
    const cfg = config({ generationBaseline: true, budget: 40 });
    const reference = await runLoop(cfg, data(), { store: new MemoryStore(), deps: fakeDeps() });
    const steps = reference.steps.length;
    for (let cut = 1; cut < steps; cut++) {
      const store = new MemoryStore();
      const ac = new AbortController();
      let seen = 0;
      await expect(runLoop(cfg, data(), { store, deps: fakeDeps(), signal: ac.signal, onEvent: (e) => { if (e.type === 'step' && ++seen === cut) ac.abort(); } }))
        .rejects.toSatisfy(isAbortError);
      const run = await getLoopRun(store, 'run');
      expect(run!.state.steps.length).toBeGreaterThanOrEqual(cut);
      const resumed = await runLoop(cfg, data(), { store, deps: fakeDeps() });
      expect(counts(resumed)).toEqual(counts(reference));
      expect(loopSummary(resumed).teacher).toEqual(loopSummary(reference).teacher);
      expect(loopSummary(resumed).baseline).toEqual(loopSummary(reference).baseline);
    }
  });

  it('resumes a synthesis job killed between teacher requests without repeating or losing any', async () => {
    const cfg = config({ budget: 40 });
    const reference = await runLoop(cfg, data(), { store: new MemoryStore(), deps: fakeDeps() });
    const requests = loopSummary(reference).teacher.requests;
    expect(requests).toBeGreaterThan(4);
    for (let after = 1; after < requests; after++) {
      const store = new MemoryStore();
      await expect(runLoop(cfg, data(), { store, deps: fakeDeps([], { failAfterRequests: after }) })).rejects.toSatisfy(isAbortError);
      const resumed = await runLoop(cfg, data(), { store, deps: fakeDeps() });
      expect(counts(resumed)).toEqual(counts(reference));
      expect(loopSummary(resumed).teacher.requests).toBe(loopSummary(reference).teacher.requests);
    }
  });

  it('refuses to resume a run with different settings instead of mixing them', async () => {
    const store = new MemoryStore();
    await runLoop(config({ rounds: 0, budget: 10 }), data(), { store, deps: fakeDeps() });
    await expect(runLoop(config({ rounds: 0, budget: 20 }), data(), { store, deps: fakeDeps() })).rejects.toThrow(/different settings or files/);
  });
});
