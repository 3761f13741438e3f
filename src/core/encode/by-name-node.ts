/**
 * The sentence-vector encoder a Node command names with `--encoder` (`distillery run`,
 * `bench:loop`): pooled GloVe (offline), `minilm` (all-MiniLM-L6-v2 from the Hugging Face hub,
 * downloaded once, then cached), or any other value as the path of a local ONNX export (nothing is
 * fetched).
 */
import type { Encoder } from './encoder.js';
import { GloveEncoder } from './glove.js';
import { DEFAULT_SENTENCE_MODEL, SentenceEncoder } from './sentence.js';
import { localModelSource } from './sentence-node.js';
import type { WordVectors } from './word-vectors.js';
import { loadWordVectorsFromDisk } from './word-vectors-node.js';

/** Whether `--encoder name` is a sentence encoder (a head student's only input) rather than GloVe. */
export function isSentenceEncoderName(name: string | undefined): boolean {
  return name !== undefined && !name.startsWith('glove');
}

/** `wv`: GloVe vectors already loaded (else read from disk when a GloVe encoder is named). */
export async function encoderByName(name = 'glove', wv?: WordVectors): Promise<Encoder> {
  if (name === 'glove' || name === 'glove-mean') return new GloveEncoder(wv ?? await loadWordVectorsFromDisk(), { pooling: 'mean' });
  if (name === 'glove-mean-max') return new GloveEncoder(wv ?? await loadWordVectorsFromDisk(), { pooling: 'mean-max' });
  if (name === 'minilm') return SentenceEncoder.load({ source: { kind: 'hub', model: DEFAULT_SENTENCE_MODEL } });
  return SentenceEncoder.load(await localModelSource(name));
}
