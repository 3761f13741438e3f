/**
 * What a BERT-family checkpoint is, read from its own files: `config.json` (the architecture),
 * `sentence_bert_config.json` (the sentence-transformers length limit) and `1_Pooling/config.json`
 * (how token vectors become one sentence vector). Nothing here is guessed from a model's name.
 */
import { UserError } from '../errors.js';

export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  hiddenDropout: number;
  attentionDropout: number;
  padTokenId: number;
}

export type Pooling = 'mean' | 'cls';

/** How sentence-transformers turns this checkpoint into one vector per text. */
export interface SentenceConfig {
  /** Word pieces per text including [CLS] and [SEP]; longer texts are cut (sentence-transformers' max_seq_length). */
  maxTokens: number;
  pooling: Pooling;
  /** L2-normalize the pooled vector (sentence-transformers' Normalize module). */
  normalize: boolean;
}

type Json = Record<string, unknown>;

function num(cfg: Json, key: string, fallback?: number): number {
  const v = cfg[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (fallback !== undefined) return fallback;
  throw new UserError('model-config', `The model's config.json has no ${key}.`, 'Use a BERT-style model folder (config.json with hidden_size, num_hidden_layers, …).');
}

export function parseBertConfig(cfg: Json): BertConfig {
  const type = cfg.model_type;
  if (typeof type === 'string' && !['bert'].includes(type)) {
    throw new UserError('model-architecture', `The model is a ${type}; Distillery runs BERT-architecture encoders (all-MiniLM-L6-v2, bge-small-en-v1.5, …).`,
      'Pick a BERT-family sentence encoder.');
  }
  const act = cfg.hidden_act ?? 'gelu';
  if (act !== 'gelu') {
    throw new UserError('model-architecture', `The model uses the ${String(act)} activation; this BERT implements exact (erf) GELU only.`, 'Pick a BERT-family model with hidden_act "gelu".');
  }
  const posType = cfg.position_embedding_type ?? 'absolute';
  if (posType !== 'absolute') {
    throw new UserError('model-architecture', `The model uses ${String(posType)} position embeddings; only absolute ones are implemented.`, 'Pick a standard BERT-family model.');
  }
  const c: BertConfig = {
    vocabSize: num(cfg, 'vocab_size'),
    hiddenSize: num(cfg, 'hidden_size'),
    numLayers: num(cfg, 'num_hidden_layers'),
    numHeads: num(cfg, 'num_attention_heads'),
    intermediateSize: num(cfg, 'intermediate_size'),
    maxPositions: num(cfg, 'max_position_embeddings'),
    typeVocabSize: num(cfg, 'type_vocab_size', 2),
    layerNormEps: num(cfg, 'layer_norm_eps', 1e-12),
    hiddenDropout: num(cfg, 'hidden_dropout_prob', 0.1),
    attentionDropout: num(cfg, 'attention_probs_dropout_prob', 0.1),
    padTokenId: num(cfg, 'pad_token_id', 0),
  };
  if (c.hiddenSize % c.numHeads !== 0) {
    throw new UserError('model-config', `hidden_size ${c.hiddenSize} is not a multiple of num_attention_heads ${c.numHeads}.`, 'The config.json is damaged; download the model again.');
  }
  return c;
}

/**
 * sentence-transformers' settings. Without its files (a plain BERT checkpoint) the defaults are
 * its own: max_seq_length = min(model limit, …) and mean pooling.
 */
export function parseSentenceConfig(bert: BertConfig, sbert?: Json, pooling?: Json, normalize = true): SentenceConfig {
  const max = typeof sbert?.max_seq_length === 'number' ? sbert.max_seq_length : bert.maxPositions;
  let mode: Pooling = 'mean';
  if (pooling) {
    if (pooling.pooling_mode_cls_token === true) mode = 'cls';
    else if (pooling.pooling_mode_mean_tokens === true) mode = 'mean';
    else {
      throw new UserError('model-pooling', "The model's 1_Pooling/config.json asks for a pooling other than mean or [CLS].", 'Pick a sentence encoder that pools by mean or [CLS] (all-MiniLM-L6-v2, bge-small-en-v1.5).');
    }
  }
  return { maxTokens: Math.min(max, bert.maxPositions), pooling: mode, normalize };
}
