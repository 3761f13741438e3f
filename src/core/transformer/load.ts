/**
 * A sentence-transformers model folder → a ready BERT, its tokenizer and its pooling, from any
 * ModelFiles source (files.ts). Needs config.json, tokenizer.json, tokenizer_config.json and
 * model.safetensors; reads sentence_bert_config.json and 1_Pooling/config.json when present
 * (all-MiniLM-L6-v2: 256 pieces, mean pooling; bge-small-en-v1.5: 512, [CLS]).
 */
import { UserError, throwIfAborted } from '../errors.js';
import type { LongOpOptions, Progress } from '../progress.js';
import { Bert } from './bert.js';
import { parseBertConfig, parseSentenceConfig, type BertConfig, type SentenceConfig } from './config.js';
import type { ModelFiles, ModelOrigin } from './files.js';
import { readSafetensors } from './safetensors.js';
import { BertTokenizer } from './tokenizer.js';

export interface SentenceTransformer {
  bert: Bert;
  tokenizer: BertTokenizer;
  config: BertConfig;
  sentence: SentenceConfig;
  /** sha256 of model.safetensors (hex): names the exact weights, e.g. in cache keys. */
  weightsSha256: string;
  /** Where its files came from (files.ts). */
  origin: ModelOrigin;
  /** The raw files that make the model portable (a bundle carries them with the weights). */
  files: { config: unknown; tokenizer: unknown; tokenizerConfig: unknown; sentenceBert?: unknown; pooling?: unknown };
}

export interface LoadOptions extends LongOpOptions {
  /** Overrides the folder's max_seq_length (never above the model's positions). */
  maxTokens?: number;
  /** Size of model.safetensors when known (the catalog), for a progress bar before the server says. */
  weightsBytes?: number;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A model folder read and checked, before any tensor exists: its weights are still bytes. */
export type SentenceTransformerFiles = Omit<SentenceTransformer, 'bert'> & { weights: Uint8Array };

/** Reads and checks a model folder: the network and disk part of loading, with no tensor made yet. */
export async function readSentenceTransformer(files: ModelFiles, opts: LoadOptions = {}): Promise<SentenceTransformerFiles> {
  const progress = (p: Progress) =>
    opts.onProgress?.({ phase: 'load-model', done: p.done, total: p.total, detail: { file: p.phase === 'download' ? p.detail.file : undefined } });
  const need = async (path: string, expectedBytes?: number): Promise<Uint8Array> => {
    const b = await files.read(path, { signal: opts.signal, onProgress: progress, expectedBytes });
    if (!b) {
      throw new UserError('model-folder-incomplete', `${files.where} has no ${path}.`,
        'A model folder needs config.json, tokenizer.json, tokenizer_config.json and model.safetensors (a sentence-transformers model such as all-MiniLM-L6-v2).');
    }
    return b;
  };
  const json = (b: Uint8Array, path: string): Record<string, unknown> => {
    try {
      return JSON.parse(new TextDecoder().decode(b)) as Record<string, unknown>;
    } catch {
      throw new UserError('model-folder-damaged', `${path} in ${files.where} is not valid JSON.`, 'Download the model again.');
    }
  };
  const optional = async (path: string) => {
    const b = await files.read(path, { signal: opts.signal });
    return b ? json(b, path) : undefined;
  };

  const cfgJson = json(await need('config.json'), 'config.json');
  const config = parseBertConfig(cfgJson);
  const tokJson = json(await need('tokenizer.json'), 'tokenizer.json');
  const tokCfg = json(await need('tokenizer_config.json'), 'tokenizer_config.json');
  const sbert = await optional('sentence_bert_config.json');
  const pooling = await optional('1_Pooling/config.json');
  const sentence = parseSentenceConfig(config, sbert, pooling);
  if (opts.maxTokens) sentence.maxTokens = Math.min(opts.maxTokens, config.maxPositions);
  throwIfAborted(opts.signal);
  const weights = await need('model.safetensors', opts.weightsBytes);
  throwIfAborted(opts.signal);
  const weightsSha256 = await sha256Hex(weights);
  const tokenizer = new BertTokenizer(tokJson, tokCfg, sentence.maxTokens, config.padTokenId);
  return { weights, tokenizer, config, sentence, weightsSha256, origin: files.origin, files: { config: cfgJson, tokenizer: tokJson, tokenizerConfig: tokCfg, sentenceBert: sbert, pooling } };
}

/** The BERT's variables from read files, on the tfjs backend that is set. */
export function buildSentenceTransformer(read: SentenceTransformerFiles): SentenceTransformer {
  const { weights, ...rest } = read;
  return { ...rest, bert: Bert.fromTensors(read.config, readSafetensors(weights)) };
}

export async function loadSentenceTransformer(files: ModelFiles, opts: LoadOptions = {}): Promise<SentenceTransformer> {
  return buildSentenceTransformer(await readSentenceTransformer(files, opts));
}
