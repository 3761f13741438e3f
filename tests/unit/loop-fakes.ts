/**
 * The loop's test doubles: a small two-topic dataset, a config, and fakes for the teacher (writes
 * examples and journals requests as the real one does, idempotent per request) and the student
 * (learns word → label counts). Shared by the loop's and the synthesis use case's tests.
 */
import type { Example } from '../../src/core/dataset/example.js';
import { LOOP_DEFAULTS, type LoopConfig } from '../../src/core/loop/config.js';
import type { LoopDeps, SynthJob, TrainInput, TrainedStudent } from '../../src/core/loop/deps.js';
import type { LoopData } from '../../src/core/loop/validate.js';
import type { LegacyModelMeta } from '../../src/core/student/model-meta.js';

export const now = '2026-01-01T00:00:00.000Z';
export const ex = (id: string, text: string, label: string | null): Example => ({ id, text, label, split: 'train', provenance: { source: 'seed', round: 0, createdAt: now } });

// Two topics told apart by their words; the fake student learns word → label counts.
export const WORDS: Record<string, string[]> = { pos: ['good', 'great', 'fine', 'lovely', 'superb', 'nice'], neg: ['bad', 'awful', 'poor', 'dull', 'grim', 'weak'] };
export function data(): LoopData {
  const seeds = [ex('s1', 'good film', 'pos'), ex('s2', 'great day', 'pos'), ex('s3', 'bad film', 'neg'), ex('s4', 'awful day', 'neg')];
  const val = ['fine', 'lovely', 'superb', 'poor', 'dull', 'grim'].map((w, i) => ex(`v${i}`, `${w} show`, WORDS.pos.includes(w) ? 'pos' : 'neg'));
  const test = ['nice', 'weak', 'superb', 'grim'].map((w, i) => ex(`t${i}`, `${w} play TESTONLY`, WORDS.pos.includes(w) ? 'pos' : 'neg'));
  const unlabeled = ['fine', 'poor', 'nice', 'weak', 'lovely', 'dull', 'good', 'bad', 'great', 'awful', 'superb', 'grim'].map((w, i) => ex(`u${i}`, `${w} tale ${i}`, null));
  return { seeds, val, test, unlabeled };
}

export function config(over: Partial<LoopConfig> = {}): LoopConfig {
  return { ...LOOP_DEFAULTS, runId: 'run', projectId: 'p', teacherModel: 'fake', strategy: 'generate', rounds: 2, budget: 40, examplesPerRequest: 5, ...over };
}

/** A fake teacher that writes examples and journals requests, and is idempotent per (job, request). */
export function fakeDeps(log: SynthJob[] = [], opts: { failAfterRequests?: number } = {}): LoopDeps {
  let requestsMade = 0;
  const student = (counts: Map<string, Record<string, number>>, labels: string[]): TrainedStudent => ({
    async predict(texts) {
      return texts.map((t) => {
        const s = labels.map(() => 1e-3);
        for (const w of t.split(' ')) labels.forEach((l, i) => { s[i] += counts.get(w)?.[l] ?? 0; });
        const z = s.reduce((a, b) => a + b, 0);
        return s.map((x) => x / z);
      });
    },
    async toRecord(id, projectId, runId) {
      return { id, projectId, runId, createdAt: now, meta: { labels, counts: [...counts] }, modelJson: {}, weights: new ArrayBuffer(0) };
    },
    dispose() {},
  });
  return {
    async synthesize(job, { store, signal }) {
      log.push(structuredClone(job));
      const done = new Set((await store.listRequests(job.projectId, job.jobId)).map((r) => r.key));
      const per = 5;
      const total = job.strategy === 'extrapolate' ? job.errors!.length * job.n : job.n;
      for (let q = 0; q * per < total; q++) {
        const key = `${job.strategy}:${q}`;
        if (done.has(key)) continue;
        if (signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
        if (opts.failAfterRequests !== undefined && requestsMade >= opts.failAfterRequests) throw Object.assign(new Error('killed'), { name: 'AbortError' });
        requestsMade++;
        const made: Example[] = [];
        for (let i = q * per; i < Math.min(total, (q + 1) * per); i++) {
          let text: string; let label: string;
          if (job.strategy === 'extrapolate') {
            const e = job.errors![Math.floor(i / job.n)];
            label = e.label;
            text = `${e.text.split(' ')[0]} variant ${job.jobId}-${i}`;
          } else if (job.strategy === 'annotate') {
            const u = job.unlabeled![i % job.unlabeled!.length];
            label = WORDS.pos.includes(u.text.split(' ')[0]) ? 'pos' : 'neg';
            // Annotation keeps the user's text; past the end of the pool the fake makes up new ones.
            text = i < job.unlabeled!.length ? u.text : `${u.text} annotated ${i}`;
          } else {
            label = job.labels[i % job.labels.length];
            text = `${WORDS[label][i % 2]} generated ${job.round}-${i}`;
          }
          // Ids and request ids as the real teacher writes them: `<job>:<request key>[:<i>]`.
          made.push({ id: `${job.jobId}:${key}:${i}`, text, label, split: 'train', provenance: { source: job.strategy === 'extrapolate' ? 'extrapolated' : job.strategy === 'annotate' ? 'annotated' : 'generated', round: job.round, strategy: job.strategy, requestId: `${job.jobId}:${key}`, createdAt: now } });
        }
        await store.putExamples(job.projectId, made);
        await store.putRequest({ projectId: job.projectId, jobId: job.jobId, key, status: 'done', acceptedIds: made.map((m) => m.id), rejected: {}, promptTokens: 100, completionTokens: 50, finishedAt: now });
      }
      return { accepted: job.n, rejected: {} };
    },
    async train(input: TrainInput) {
      const counts = new Map<string, Record<string, number>>();
      for (const e of input.train) for (const w of e.text.split(' ')) {
        const c = counts.get(w) ?? {};
        c[e.label] = (c[e.label] ?? 0) + e.weight;
        counts.set(w, c);
      }
      return student(counts, input.labels);
    },
    async load(record) {
      const meta = record.meta as LegacyModelMeta;
      return student(new Map(meta.counts as [string, Record<string, number>][]), meta.labels as string[]);
    },
  };
}


/**
 * fakeDeps whose student is wrong on the selection texts at indexes `before` (of the selection half
 * it is given) until it learned extrapolated near-copies (texts with " variant "), and on those at
 * `after` from then on; right on every other selection text.
 */
export function wrongOnSelection(before: number[], after: number[], deps: LoopDeps = fakeDeps()): LoopDeps {
  return {
    ...deps,
    async train(input, o) {
      const s = await deps.train(input, o);
      const wrong = input.train.some((e) => e.text.includes(' variant ')) ? after : before;
      const truth = new Map(input.val.map((e, i) => [e.text, { y: input.labels.indexOf(e.label), i }]));
      const onehot = (i: number) => input.labels.map((_, j) => (j === i ? 0.9 : 0.1 / (input.labels.length - 1)));
      return { ...s, predict: async (texts, po) => (await s.predict(texts, po)).map((row, i) => {
        const t = truth.get(texts[i]!);
        return t === undefined ? row : onehot(wrong.includes(t.i) ? (t.y + 1) % input.labels.length : t.y);
      }) };
    },
  };
}

/** A student right on every selection text until round 0, wrong on every one after: round 0 is the best round. */
export function worseAfterRound0(deps: LoopDeps = fakeDeps()): LoopDeps {
  return wrongOnSelection([], Array.from({ length: 1000 }, (_, i) => i), deps);
}
