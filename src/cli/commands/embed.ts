import { createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { parseDataset } from '../../core/dataset/parse.js';
import { encoderByName, ENCODER_NAMES } from '../../core/encode/by-name-node.js';
import { UserError } from '../../core/errors.js';
import type { NodeBackend } from '../../core/transformer/backend-node.js';
import { intOption, parseCommandArgs, requireOption } from '../args.js';

export const usage = `Usage: distillery embed --encoder E --input FILE [--out FILE.jsonl] [--backend wasm|cpu] [--batch N]

Writes one embedding (a JSON array of numbers) per input text, one per line, in input order, to
--out or stdout. Progress goes to stderr.

  --encoder E   minilm (all-MiniLM-L6-v2, installed by \`npm run models\`, or on first use),
                glove / glove-mean-max (word vectors, offline), or the path of a
                sentence-transformers folder (config.json, tokenizer.json, model.safetensors)
  --input FILE  .txt: one text per line (blank lines skipped); .jsonl: one JSON string or
                {"text": …} per line (texts may hold newlines); other data files (CSV, TSV,
                JSON; .gz too) are read as unlabeled texts, with their text column found by name
  --text-col C  the column holding the text in a data file (name or 1-based number)
  --out FILE    write here instead of stdout
  --backend B   tfjs backend for a transformer: wasm (default, fastest in Node) or cpu
  --batch N     texts per forward pass (default 32)`;

/** The texts of --input, in order; every line of a .jsonl file is one text. */
export function embedInputTexts(bytes: Uint8Array, file: string, textColumn?: string): string[] {
  const text = () => new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
  if (/\.jsonl$/i.test(file) && !textColumn) {
    return text().split(/\r?\n/).flatMap((line, i) => {
      if (!line.trim()) return [];
      let v: unknown;
      try { v = JSON.parse(line); } catch { throw new UserError('bad-jsonl', `Line ${i + 1} of ${file} is not JSON.`, 'Write one JSON string or {"text": "…"} per line.'); }
      if (typeof v === 'string') return [v];
      if (v && typeof v === 'object' && typeof (v as { text?: unknown }).text === 'string') return [(v as { text: string }).text];
      throw new UserError('bad-jsonl', `Line ${i + 1} of ${file} is neither a string nor an object with a "text" string.`, 'Write one JSON string or {"text": "…"} per line.');
    });
  }
  if (/\.txt$/i.test(file) && !textColumn) return text().split(/\r?\n/).filter((l) => l.trim() !== '');
  return parseDataset(bytes, file, { requireLabels: false, textColumn }).examples.map((e) => e.text);
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    encoder: { type: 'string' }, input: { type: 'string' }, out: { type: 'string' },
    'text-col': { type: 'string' }, backend: { type: 'string' }, batch: { type: 'string' },
  }, usage);
  const name = requireOption(values.encoder, '--encoder', usage);
  const input = requireOption(values.input, '--input', usage);
  const backend = values.backend as NodeBackend | undefined;
  if (backend && backend !== 'wasm' && backend !== 'cpu') throw new UserError('bad-arguments', `--backend must be wasm or cpu, not '${backend}'.`);
  if (!(ENCODER_NAMES as readonly string[]).includes(name) && !(await stat(name).catch(() => undefined))?.isDirectory()) {
    throw new UserError('bad-arguments', `--encoder ${name} is neither ${ENCODER_NAMES.join(', ')} nor a model folder.`, `\n${usage}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(input));
  } catch (e) {
    throw new UserError('no-file', `Cannot read ${input} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, 'Check the path.');
  }
  const texts = embedInputTexts(bytes, input, values['text-col']);
  if (!texts.length) throw new UserError('no-texts', `${input} has no texts in it.`, 'Give a file with one text per line.');

  const log = (l: string) => process.stderr.write(`embed: ${l}\n`);
  const encoder = await encoderByName(name, { backend, batchSize: intOption(values.batch, '--batch', 32, 1), log });
  log(`${texts.length} texts with ${encoder.id} (dim ${encoder.dim}${'backend' in encoder ? `, tfjs ${String(encoder.backend)}` : ''})`);
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  const t0 = performance.now();
  let lastLog = 0;
  try {
    // Chunks of 1,024 keep memory bounded for any input size while batches inside stay length-sorted.
    for (let start = 0; start < texts.length; start += 1024) {
      const vecs = await encoder.encode(texts.slice(start, start + 1024), {
        onProgress: (p) => {
          const done = start + p.done;
          const now = performance.now();
          if (now - lastLog < 2000 && done < texts.length) return;
          lastLog = now;
          const rate = done / ((now - t0) / 1000);
          log(`${done}/${texts.length} (${rate.toFixed(1)} texts/s${done < texts.length ? `, about ${Math.ceil((texts.length - done) / rate)} s left` : ''})`);
        },
      });
      const lines = vecs.map((v) => JSON.stringify(Array.from(v))).join('\n') + '\n';
      if (!out.write(lines)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  } finally {
    await encoder.dispose?.();
    if (out !== process.stdout) await new Promise<void>((r, j) => (out as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? j(e) : r())));
  }
  if (values.out) log(`wrote ${texts.length} embeddings to ${values.out}`);
  return 0;
}
