/**
 * Writes tests/fixtures/tiny-minilm/: a BERT-shaped sentence encoder with random weights, small
 * enough to commit (~0.2 MB), that loads through the same transformers.js path as
 * all-MiniLM-L6-v2 (config.json + tokenizer + onnx/model.onnx). Tests use it for loading,
 * tokenization, pooling and batching, never for quality.
 *
 * Graph (ONNX opset 17, all standard ops), inputs int64 [batch, seq]:
 *   ids % 1024 -> Gather(word) + Gather(token type) + Gather(position, Range(seq)) -> LayerNorm
 *   -> one masked single-head self-attention block (MatMul, Softmax, residual, LayerNorm)
 *   -> feed-forward (MatMul, Add, Tanh, MatMul, residual, LayerNorm) -> last_hidden_state [b, s, 32]
 * Word ids are folded modulo 1024 so the table stays small yet accepts any WordPiece vocabulary:
 * the committed 300-word tokenizer and the real 30,522-word MiniLM tokenizer alike.
 *
 * The protobuf is hand-encoded (a few field numbers from onnx.proto3), so this needs no extra
 * dependency. Deterministic: the same seed writes the same bytes.
 *
 *   npx tsx scripts/make-tiny-onnx.ts [OUT_DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = process.argv[2] ?? join(ROOT, 'tests', 'fixtures', 'tiny-minilm');

const H = 32; // hidden size
const FF = 64; // feed-forward size
const BUCKETS = 1024; // word-embedding rows (ids are folded modulo this)
const POSITIONS = 512;

// ---- protobuf wire format ----
class Pb {
  private parts: number[] = [];
  private bytesOut: Uint8Array[] = [];
  private flush() { if (this.parts.length) { this.bytesOut.push(Uint8Array.from(this.parts)); this.parts = []; } }
  private varint(v: bigint | number) {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) { this.parts.push(Number(x & 0x7fn) | 0x80); x >>= 7n; }
    this.parts.push(Number(x));
  }
  private key(field: number, wire: number) { this.varint((field << 3) | wire); }
  int(field: number, v: number | bigint) { this.key(field, 0); this.varint(v); return this; }
  float(field: number, v: number) {
    this.key(field, 5);
    const b = new Uint8Array(4); new DataView(b.buffer).setFloat32(0, v, true);
    this.parts.push(...b); return this;
  }
  bytes(field: number, b: Uint8Array) { this.key(field, 2); this.varint(b.length); this.flush(); this.bytesOut.push(b); return this; }
  str(field: number, s: string) { return this.bytes(field, new TextEncoder().encode(s)); }
  msg(field: number, m: Pb) { return this.bytes(field, m.finish()); }
  finish(): Uint8Array {
    this.flush();
    const n = this.bytesOut.reduce((a, b) => a + b.length, 0);
    const out = new Uint8Array(n); let o = 0;
    for (const b of this.bytesOut) { out.set(b, o); o += b.length; }
    return out;
  }
}

const FLOAT = 1, INT64 = 7;

function tensor(name: string, dims: number[], data: Float32Array | BigInt64Array): Pb {
  const t = new Pb();
  for (const d of dims) t.int(1, d);
  t.int(2, data instanceof Float32Array ? FLOAT : INT64);
  t.str(8, name);
  t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return t;
}

type Attr = { name: string; i?: number; f?: number; ints?: number[] };
function node(op: string, inputs: string[], outputs: string[], attrs: Attr[] = []): Pb {
  const n = new Pb();
  for (const i of inputs) n.str(1, i);
  for (const o of outputs) n.str(2, o);
  n.str(3, `${op}_${outputs[0]}`);
  n.str(4, op);
  for (const a of attrs) {
    const p = new Pb().str(1, a.name);
    if (a.f !== undefined) p.float(2, a.f).int(20, 1);
    else if (a.i !== undefined) p.int(3, a.i).int(20, 2);
    else if (a.ints) { for (const v of a.ints) p.int(8, v); p.int(20, 7); }
    n.msg(5, p);
  }
  return n;
}

function valueInfo(name: string, elem: number, dims: (number | string)[]): Pb {
  const shape = new Pb();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
  const tt = new Pb().int(1, elem).msg(2, shape);
  return new Pb().str(1, name).msg(2, new Pb().msg(1, tt));
}

// ---- deterministic random weights ----
function rng(seed: number) {
  let s = seed >>> 0;
  const u = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  return (n: number, scale: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u()) * scale;
    return a;
  };
}

export function buildTinyBert(seed = 7): Uint8Array {
  const randn = rng(seed);
  const ones = new Float32Array(H).fill(1), zeros = new Float32Array(H);
  const inits: Pb[] = [
    tensor('word_embeddings', [BUCKETS, H], randn(BUCKETS * H, 1)),
    tensor('position_embeddings', [POSITIONS, H], randn(POSITIONS * H, 0.1)),
    tensor('token_type_embeddings', [2, H], randn(2 * H, 0.1)),
    tensor('buckets', [], BigInt64Array.of(BigInt(BUCKETS))),
    tensor('zero_i', [], BigInt64Array.of(0n)),
    tensor('one_i', [], BigInt64Array.of(1n)),
    tensor('axis1', [1], BigInt64Array.of(1n)),
    tensor('one_f', [], Float32Array.of(1)),
    tensor('mask_neg', [], Float32Array.of(-10000)),
    tensor('inv_sqrt_h', [], Float32Array.of(1 / Math.sqrt(H))),
    tensor('ln0_g', [H], ones), tensor('ln0_b', [H], zeros),
    tensor('ln1_g', [H], ones), tensor('ln1_b', [H], zeros),
    tensor('ln2_g', [H], ones), tensor('ln2_b', [H], zeros),
    tensor('wq', [H, H], randn(H * H, 1 / Math.sqrt(H))),
    tensor('wk', [H, H], randn(H * H, 1 / Math.sqrt(H))),
    tensor('wv', [H, H], randn(H * H, 1 / Math.sqrt(H))),
    tensor('wo', [H, H], randn(H * H, 1 / Math.sqrt(H))),
    tensor('w1', [H, FF], randn(H * FF, 1 / Math.sqrt(H))),
    tensor('b1', [FF], randn(FF, 0.1)),
    tensor('w2', [FF, H], randn(FF * H, 1 / Math.sqrt(FF))),
  ];
  const ln = (x: string, g: string, b: string, out: string) => node('LayerNormalization', [x, g, b], [out], [{ name: 'axis', i: -1 }, { name: 'epsilon', f: 1e-12 }]);
  const nodes: Pb[] = [
    // Embeddings: word (folded ids) + token type + absolute position.
    node('Mod', ['input_ids', 'buckets'], ['ids_folded']),
    node('Gather', ['word_embeddings', 'ids_folded'], ['we']),
    node('Gather', ['token_type_embeddings', 'token_type_ids'], ['te']),
    node('Shape', ['input_ids'], ['in_shape']),
    node('Gather', ['in_shape', 'one_i'], ['seq_len'], [{ name: 'axis', i: 0 }]),
    node('Range', ['zero_i', 'seq_len', 'one_i'], ['positions']),
    node('Gather', ['position_embeddings', 'positions'], ['pe']),
    node('Add', ['we', 'te'], ['wte']),
    node('Add', ['wte', 'pe'], ['emb']),
    ln('emb', 'ln0_g', 'ln0_b', 'x0'),
    // Masked single-head self-attention: padding keys get -10000 before the softmax.
    node('MatMul', ['x0', 'wq'], ['q']),
    node('MatMul', ['x0', 'wk'], ['k']),
    node('MatMul', ['x0', 'wv'], ['v']),
    node('Transpose', ['k'], ['kt'], [{ name: 'perm', ints: [0, 2, 1] }]),
    node('MatMul', ['q', 'kt'], ['scores_raw']),
    node('Mul', ['scores_raw', 'inv_sqrt_h'], ['scores_scaled']),
    node('Cast', ['attention_mask'], ['mask_f'], [{ name: 'to', i: FLOAT }]),
    node('Unsqueeze', ['mask_f', 'axis1'], ['mask_3d']),
    node('Sub', ['one_f', 'mask_3d'], ['mask_inv']),
    node('Mul', ['mask_inv', 'mask_neg'], ['mask_bias']),
    node('Add', ['scores_scaled', 'mask_bias'], ['scores']),
    node('Softmax', ['scores'], ['probs'], [{ name: 'axis', i: -1 }]),
    node('MatMul', ['probs', 'v'], ['ctx']),
    node('MatMul', ['ctx', 'wo'], ['attn_out']),
    node('Add', ['x0', 'attn_out'], ['res1']),
    ln('res1', 'ln1_g', 'ln1_b', 'x1'),
    // Feed-forward block.
    node('MatMul', ['x1', 'w1'], ['ff_in']),
    node('Add', ['ff_in', 'b1'], ['ff_pre']),
    node('Tanh', ['ff_pre'], ['ff_act']),
    node('MatMul', ['ff_act', 'w2'], ['ff_out']),
    node('Add', ['x1', 'ff_out'], ['res2']),
    ln('res2', 'ln2_g', 'ln2_b', 'last_hidden_state'),
  ];
  const graph = new Pb();
  for (const n of nodes) graph.msg(1, n);
  graph.str(2, 'tiny_bert');
  for (const t of inits) graph.msg(5, t);
  for (const name of ['input_ids', 'attention_mask', 'token_type_ids']) graph.msg(11, valueInfo(name, INT64, ['batch_size', 'sequence_length']));
  graph.msg(12, valueInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', H]));
  return new Pb()
    .int(1, 8) // ir_version
    .str(2, 'distillery make-tiny-onnx')
    .msg(7, graph)
    .msg(8, new Pb().str(1, '').int(2, 17))
    .finish();
}

/** A small WordPiece vocabulary: specials, characters, word pieces and common English words. */
const WORDS = `the of and to in is was for on that with as by at from it an be this are were which
has have had not but or their its they he she his her we you i my me our your them who what when
where how all one two three new more most some no other any only first last after before over
into about up out than then so if can will would could should may just also very good bad great
best worse worst better well like love hate fun funny boring dull fine film movie story plot
actor acting actors director scene scenes performance music game team season win won lost play
player market company stock shares price prices bank oil deal government president minister war
police court world country city news report said says year years day week today time people man
women woman men life work home school health science space computer software internet phone
data research study new old big small long short high low top free open`.split(/\s+/);

export function tinyVocab(): string[] {
  const chars = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
  const punct = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
  const words = [...new Set(WORDS)].filter((w) => w.length > 1);
  return ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...punct, ...chars, ...chars.map((c) => '##' + c), ...words,
    ...['##s', '##ed', '##ing', '##ly', '##er', '##est', '##ment', '##ness', '##tion'].filter((p) => !chars.includes(p.slice(2)))];
}

function tokenizerJson(vocab: string[]): unknown {
  const ids = Object.fromEntries(vocab.map((w, i) => [w, i]));
  const special = (content: string) => ({ id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}

function main(): void {
  mkdirSync(join(OUT, 'onnx'), { recursive: true });
  const model = buildTinyBert();
  writeFileSync(join(OUT, 'onnx', 'model.onnx'), model);
  const vocab = tinyVocab();
  writeFileSync(join(OUT, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab), null, 1) + '\n');
  writeFileSync(join(OUT, 'tokenizer_config.json'), JSON.stringify({
    clean_up_tokenization_spaces: true, cls_token: '[CLS]', do_basic_tokenize: true, do_lower_case: true, mask_token: '[MASK]',
    model_max_length: POSITIONS, pad_token: '[PAD]', sep_token: '[SEP]', strip_accents: null, tokenize_chinese_chars: true,
    tokenizer_class: 'BertTokenizer', unk_token: '[UNK]',
  }, null, 2) + '\n');
  writeFileSync(join(OUT, 'config.json'), JSON.stringify({
    _name_or_path: 'distillery/tiny-minilm (random weights, tests only)', architectures: ['BertModel'], model_type: 'bert',
    hidden_size: H, intermediate_size: FF, num_attention_heads: 1, num_hidden_layers: 1, max_position_embeddings: POSITIONS,
    type_vocab_size: 2, vocab_size: vocab.length, pad_token_id: 0, layer_norm_eps: 1e-12, hidden_act: 'tanh',
  }, null, 2) + '\n');
  console.log(`make-tiny-onnx: wrote ${OUT} (model.onnx ${model.length} bytes, vocab ${vocab.length})`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
