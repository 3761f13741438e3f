/**
 * The TensorFlow.js BERT against PyTorch: word-piece ids and embeddings of the committed fixtures
 * (scripts/transformer_reference.py) must match, ids exactly and every embedding component within
 * 1e-4. all-MiniLM-L6-v2 (real weights, from `npm run models`) through sentence-transformers, and
 * the random 2-layer tiny BERT through transformers' BertModel with mean and [CLS] pooling.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransformerEncoder } from '../../src/core/encode/transformer-encoder.js';
import { useNodeBackend } from '../../src/core/transformer/backend-node.js';
import { dirFiles } from '../../src/core/transformer/files-node.js';
import { loadSentenceTransformer } from '../../src/core/transformer/load.js';

const MINILM_DIR = 'public/models/all-MiniLM-L6-v2';
const haveMinilm = existsSync(`${MINILM_DIR}/model.safetensors`);
// CI installs the model strictly (.ci/run); elsewhere a missing model says how to get it.
if (!haveMinilm) console.warn(`transformer-reference: ${MINILM_DIR} is missing, run \`npm run models\`; the MiniLM checks are skipped.`);

interface MinilmRef { texts: string[]; ids: number[][]; embeddings: number[][]; weights_sha256: string }
interface TinyRef { texts: string[]; ids: number[][]; mean_normalized: number[][]; cls_normalized: number[][] }

function maxAbsDiff(a: ArrayLike<number>[], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => { for (let j = 0; j < row.length; j++) m = Math.max(m, Math.abs(row[j]! - b[i]![j]!)); });
  return m;
}

beforeAll(async () => { await useNodeBackend('wasm'); });
afterAll(() => tf.setBackend('cpu'));

describe('tiny BERT vs PyTorch BertModel', () => {
  const ref = JSON.parse(readFileSync('tests/fixtures/tiny-bert-reference.json', 'utf8')) as TinyRef;

  it('tokenizes exactly as the Hugging Face tokenizer (truncation at max_seq_length included)', async () => {
    const m = await loadSentenceTransformer(await dirFiles('tests/fixtures/tiny-bert'));
    try {
      expect(ref.texts.map((t) => m.tokenizer.encode(t).ids)).toEqual(ref.ids);
    } finally { m.bert.dispose(); }
  });

  it.each(['mean', 'cls'] as const)('%s pooling + L2 matches within 1e-4', async (pooling) => {
    const m = await loadSentenceTransformer(await dirFiles('tests/fixtures/tiny-bert'));
    m.sentence.pooling = pooling;
    const enc = new TransformerEncoder(m, { batchSize: 5 });
    try {
      const got = await enc.encode(ref.texts);
      const diff = maxAbsDiff(got, pooling === 'mean' ? ref.mean_normalized : ref.cls_normalized);
      console.log(`tiny-bert ${pooling}: max |tfjs − torch| = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-4);
    } finally { await enc.dispose(); }
  });
});

describe.runIf(haveMinilm)('all-MiniLM-L6-v2 vs sentence-transformers', () => {
  const ref = JSON.parse(readFileSync('tests/fixtures/minilm-reference.json', 'utf8')) as MinilmRef;
  let enc: TransformerEncoder;
  beforeAll(async () => { enc = await TransformerEncoder.load(await dirFiles(MINILM_DIR)); }, 120_000);
  afterAll(() => enc?.dispose());

  it('is the same checkpoint the fixture was made from', () => {
    expect(enc.model.weightsSha256).toBe(ref.weights_sha256);
    expect(enc.model.sentence).toEqual({ maxTokens: 256, pooling: 'mean', normalize: true });
  });

  it('tokenizes all 40 texts exactly as sentence-transformers (256 pieces incl. [CLS]/[SEP])', () => {
    expect(ref.texts.map((t) => enc.model.tokenizer.encode(t).ids)).toEqual(ref.ids);
  });

  it('embeds all 40 texts within 1e-4 of PyTorch per component', async () => {
    const got = await enc.encode(ref.texts);
    const diff = maxAbsDiff(got, ref.embeddings);
    console.log(`all-MiniLM-L6-v2 (${tf.getBackend()}): max |tfjs − torch| = ${diff.toExponential(2)} over ${ref.texts.length} texts`);
    expect(diff).toBeLessThan(1e-4);
    // Unit length, as sentence-transformers' Normalize makes them.
    for (const v of got) expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThan(1e-5);
  }, 120_000);
});
