/**
 * Writes tests/fixtures/tiny-bert/: a sentence-transformers folder shaped like all-MiniLM-L6-v2
 * (config.json, tokenizer.json, tokenizer_config.json, sentence_bert_config.json,
 * 1_Pooling/config.json, model.safetensors) with random weights: BERT with 2 layers, 4 heads,
 * hidden size 32, a 291-piece WordPiece vocabulary; ~150 KB, small enough to commit. Tests use it
 * for loading, tokenization, batching, padding, leaks and training on every backend, never for
 * quality; scripts/transformer_reference.py checks it against PyTorch too (mean and [CLS] pooling).
 * Deterministic: the same seed writes the same bytes.
 *
 *   npx tsx scripts/make-tiny-bert.ts [OUT_DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bert } from '../src/core/transformer/bert.js';
import { parseBertConfig } from '../src/core/transformer/config.js';
import { writeSafetensors } from '../src/core/transformer/safetensors.js';
import { TINY_VOCAB } from '../tests/fixtures/tiny-vocab.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = process.argv[2] ?? join(ROOT, 'tests', 'fixtures', 'tiny-bert');

const config = {
  _name_or_path: 'distillery/tiny-bert (random weights, tests only)',
  architectures: ['BertModel'],
  model_type: 'bert',
  attention_probs_dropout_prob: 0.1,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 32,
  intermediate_size: 64,
  num_attention_heads: 4,
  num_hidden_layers: 2,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  vocab_size: TINY_VOCAB.length,
  pad_token_id: 0,
  layer_norm_eps: 1e-12,
  position_embedding_type: 'absolute',
};

const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const vocab = Object.fromEntries(TINY_VOCAB.map((w, i) => [w, i]));
const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: special.map((content) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
      { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
    special_tokens: { '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] } },
  },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
};
const tokenizerConfig = {
  do_lower_case: true, unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]',
  tokenize_chinese_chars: true, strip_accents: null, tokenizer_class: 'BertTokenizer', model_max_length: 512,
};

mkdirSync(join(OUT, '1_Pooling'), { recursive: true });
const json = (path: string, v: unknown) => writeFileSync(join(OUT, path), JSON.stringify(v, null, 2) + '\n');
json('config.json', config);
json('tokenizer.json', tokenizer);
json('tokenizer_config.json', tokenizerConfig);
// 64 pieces, so tests reach truncation with short texts.
json('sentence_bert_config.json', { max_seq_length: 64, do_lower_case: false });
json('1_Pooling/config.json', { word_embedding_dimension: 32, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true, pooling_mode_max_tokens: false, pooling_mode_mean_sqrt_len_tokens: false });
// Random weights drawn at 0.5 rather than BERT's 0.02, so the tiny model's outputs differ visibly
// between texts and a wrong mask or pooling shows in the tests.
const tensors = Bert.randomTensors(parseBertConfig(config), 12, 0.5);
writeFileSync(join(OUT, 'model.safetensors'), writeSafetensors(tensors));
console.log(`wrote ${OUT}`);
