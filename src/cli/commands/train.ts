/**
 * `distillery train`: trains a student in Node with the same core as the app and writes the
 * model (tfjs model.json + weights), its spec and its metrics into --out.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseDataset } from '../../core/dataset/parse.js';
import { stratifiedSplit } from '../../core/dataset/split.js';
import type { Example } from '../../core/dataset/example.js';
import { UserError } from '../../core/errors.js';
import { loadWordVectorsFromDisk } from '../../core/encode/word-vectors-node.js';
import { ALL_BACKENDS, type BackendName } from '../../core/student/backend.js';
import { evaluate } from '../../core/student/metrics.js';
import { predict } from '../../core/student/predict.js';
import { trainStudent, type LabeledTexts, type StudentFeatures } from '../../core/student/student.js';
import { intOption, parseCommandArgs, printSummary, requireOption } from '../args.js';
import { readInputFile } from '../input-file.js';

export const usage = `Usage: distillery train --train FILE [--val FILE] [--test FILE] [options]

  --train FILE     labeled training data (CSV, TSV, JSONL, JSON, .gz, or 'LABEL TEXT' lines)
  --val FILE       labeled validation data for early stopping; without it, 10% of --train
                   (stratified, seeded) is held out
  --test FILE      labeled test data, scored once with the best epoch's weights
  --encoder E      glove (default; offline word vectors) | minilm | PATH to a model folder
  --student NAME   wordpool (default for glove) | mlp (default for sentence encoders)
  --epochs E       most epochs (default 30; early stopping on validation macro-F1)
  --seed S         random seed (default 42)
  --backend B      cpu | wasm (default: timed choice of what can train here)
  --out DIR        write model.json, weights, student.json and metrics.json here

Ends stdout with one JSON line: {"val", "test", "backend", "examples", "seconds"}.`;

async function readLabeled(file: string): Promise<LabeledTexts & { examples: Example[] }> {
  const report = parseDataset(await readInputFile(file), basename(file), { requireLabels: true });
  const examples = report.examples.filter((e) => e.label !== null);
  if (!examples.length) throw new UserError('no-examples', `${file} has no labeled examples.`, 'Give a file with a text and a label per row.');
  return { examples, texts: examples.map((e) => e.text), labels: examples.map((e) => e.label!) };
}

const fromExamples = (xs: Example[]): LabeledTexts => ({ texts: xs.map((e) => e.text), labels: xs.map((e) => e.label!) });

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    train: { type: 'string' }, val: { type: 'string' }, test: { type: 'string' },
    encoder: { type: 'string' }, student: { type: 'string' }, epochs: { type: 'string' },
    seed: { type: 'string' }, backend: { type: 'string' }, out: { type: 'string' },
  }, usage);
  const t0 = performance.now();
  const seed = intOption(values.seed, '--seed', 42);
  const epochs = intOption(values.epochs, '--epochs', 30, 1);
  const backend = values.backend as BackendName | undefined;
  if (backend && !ALL_BACKENDS.includes(backend)) throw new UserError('bad-arguments', `--backend must be one of ${ALL_BACKENDS.join(', ')}.`);
  const encoderName = values.encoder ?? 'glove';
  if (encoderName !== 'glove') {
    throw new UserError('encoder-unsupported', `The train command supports only --encoder glove so far (got '${encoderName}').`, 'Use --encoder glove.');
  }
  if (values.student && values.student !== 'wordpool') throw new UserError('bad-arguments', `--student must be wordpool for --encoder glove.`);

  const trainFile = await readLabeled(requireOption(values.train, '--train', usage));
  let train: LabeledTexts = trainFile;
  let val: LabeledTexts;
  if (values.val) {
    val = await readLabeled(values.val);
  } else {
    const split = stratifiedSplit(trainFile.examples, { valFraction: 0.1, seed });
    train = fromExamples(split.train);
    val = fromExamples(split.val);
    console.error(`No --val given: holding out ${split.val.length} of ${trainFile.examples.length} training examples (10%, stratified, seed ${seed}) for validation.`);
  }

  const testFile = values.test ? await readLabeled(values.test) : null;
  checkBeforeTraining(train, val, testFile, values.val !== undefined);

  const features: StudentFeatures = { kind: 'glove', wv: await loadWordVectorsFromDisk() };
  const student = await trainStudent(train, val, features, {
    hyper: { epochs, seed },
    backend,
    // tfjs-node cannot be installed here; wasm lacks the lookup gradient, so cpu is timed against it.
    candidates: ['wasm', 'cpu'],
    onEpoch: (r) => console.error(`epoch ${r.epoch}: loss ${r.loss.toFixed(4)}, val acc ${r.valAccuracy.toFixed(4)}, val macro-F1 ${r.valMacroF1.toFixed(4)}, ${r.examplesPerSecond.toFixed(0)} examples/s`),
  });
  console.error(`backend: ${student.backend.backend} ${JSON.stringify(student.backend.timings)}; best epoch ${student.fit.bestEpoch}`);

  let test: ReturnType<typeof evaluate> | null = null;
  if (testFile) {
    const t = testFile;
    const preds = await predict(student, t.texts, features);
    test = evaluate(t.labels.map((l) => student.spec.labels.indexOf(l)), preds.map((p) => p.scores), student.spec.labels);
  }
  if (values.out) {
    await mkdir(values.out, { recursive: true });
    await student.model.save(tf.io.withSaveHandler(async (art) => {
      const { weightData, ...rest } = art;
      const bin = weightData instanceof ArrayBuffer ? new Uint8Array(weightData) : new Uint8Array(await new Blob(weightData as ArrayBuffer[]).arrayBuffer());
      await writeFile(join(values.out!, 'weights.bin'), bin);
      await writeFile(join(values.out!, 'model.json'), JSON.stringify({ ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: art.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    await writeFile(join(values.out, 'student.json'), JSON.stringify(student.spec));
    await writeFile(join(values.out, 'metrics.json'), JSON.stringify({ val: student.fit.val, test, history: student.fit.history, backend: student.backend }, null, 1));
  }
  student.model.dispose();
  const short = (m: { accuracy: number; macroF1: number } | null) => (m ? { accuracy: m.accuracy, macroF1: m.macroF1 } : null);
  printSummary({ val: short(student.fit.val), test: short(test), backend: student.backend.backend, examples: train.texts.length, seconds: (performance.now() - t0) / 1000 });
  return 0;
}

/**
 * What would only fail after training (or report a number that means nothing) is refused first:
 * no validation example to choose the epoch on, and validation or test labels the training data
 * lacks (the student has no output for them; `run` refuses the same in validateSetup).
 */
function checkBeforeTraining(train: LabeledTexts, val: LabeledTexts, test: LabeledTexts | null, valGiven: boolean): void {
  if (val.texts.length === 0) {
    throw new UserError('no-validation', valGiven
      ? 'The --val file has no labeled examples, so there is nothing to validate on.'
      : `No validation examples: holding out 10% of each class of --train left none (--train has ${train.texts.length + val.texts.length} examples; a class needs at least 2 to give one to validation).`,
    'Give --val FILE with labeled examples of every class, or add more training examples (a few per class at least).');
  }
  const known = new Set(train.labels);
  for (const [flag, set] of [['--val', valGiven ? val : null], ['--test', test]] as const) {
    if (!set) continue;
    const unknown = new Map<string, number>();
    for (const l of set.labels) if (!known.has(l)) unknown.set(l, (unknown.get(l) ?? 0) + 1);
    if (unknown.size) {
      const list = [...unknown].slice(0, 10).map(([l, n]) => `'${l}' (${n} row${n === 1 ? '' : 's'})`).join(', ');
      throw new UserError('label-not-in-training', `The ${flag} file has label${unknown.size === 1 ? '' : 's'} ${list}${unknown.size > 10 ? ', …' : ''} that the training data lacks: the student cannot predict ${unknown.size === 1 ? 'it' : 'them'}, so its scores there would be wrong.`,
        `Remove those rows from the ${flag} file, or add training examples of ${unknown.size === 1 ? 'that label' : 'those labels'}.`);
    }
  }
}
