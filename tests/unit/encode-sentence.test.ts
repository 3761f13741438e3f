/**
 * The sentence-encoder path in Node with the project's tiny random-weight BERT
 * (tests/fixtures/tiny-minilm, built by scripts/make-tiny-onnx.ts). Checks loading, tokenization,
 * pooling and batching against the raw ONNX output; never quality.
 */
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ort from 'onnxruntime-node';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { rmSync } from 'node:fs';
import { textHash } from '../../src/core/dataset/hash.js';
import { SentenceEncoder } from '../../src/core/encode/sentence.js';
import { localModelSource } from '../../src/core/encode/sentence-node.js';
import { isUserError } from '../../src/core/errors.js';
import { buildTinyBert } from '../../scripts/make-tiny-onnx.js';
import { readFileSync } from 'node:fs';

const FIXTURE = resolve('tests/fixtures/tiny-minilm');
const REAL_TOKENIZER = resolve('../shared/models/all-MiniLM-L6-v2-tokenizer');

const TEXTS = [
  'A fine film with great acting.',
  'The worst movie of the year',
  'Stocks fell as oil prices rose; the bank said profits were up.',
  '',
  'short',
];

/** Manual reference: tokenizer -> raw ONNX last_hidden_state -> mean over the mask -> L2. */
async function reference(folder: string, texts: string[]): Promise<Float32Array[]> {
  const tok = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  const session = await ort.InferenceSession.create(join(folder, 'onnx', 'model.onnx'));
  const out: Float32Array[] = [];
  for (const text of texts) {
    const enc = tok(text, { truncation: true });
    const ids = enc.input_ids.data as BigInt64Array;
    const s = ids.length;
    const feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids), [1, s]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(s).fill(1n), [1, s]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(s), [1, s]),
    };
    const h = (await session.run(feeds)).last_hidden_state!.data as Float32Array;
    const d = h.length / s;
    const v = new Float32Array(d);
    for (let t = 0; t < s; t++) for (let j = 0; j < d; j++) v[j]! += h[t * d + j]! / s;
    const n = Math.hypot(...v);
    out.push(v.map((x) => x / n));
  }
  await session.release();
  return out;
}

function folderWith(tokenizerDir: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-'));
  const folder = join(dir, 'tiny-minilm');
  cpSync(FIXTURE, folder, { recursive: true });
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) cpSync(join(tokenizerDir, f), join(folder, f));
  return folder;
}

const variants: Array<[string, () => string]> = [['committed tiny tokenizer', () => FIXTURE]];
if (existsSync(REAL_TOKENIZER)) variants.push(['real all-MiniLM-L6-v2 tokenizer (../shared)', () => folderWith(REAL_TOKENIZER)]);
else console.warn(`encode-sentence: ${REAL_TOKENIZER} is absent; testing with the committed tiny tokenizer only.`);

describe.each(variants)('SentenceEncoder, local folder, %s', (_name, folderOf) => {
  let enc: SentenceEncoder;
  let folder: string;
  const fetchSpy = vi.spyOn(globalThis, 'fetch');
  beforeAll(async () => {
    folder = folderOf();
    const { source } = await localModelSource(folder);
    enc = await SentenceEncoder.load({ source, batchSize: 2 });
  });
  afterAll(async () => { await enc?.dispose(); fetchSpy.mockRestore(); });

  it('loads from disk on onnxruntime-node without any network request', () => {
    expect(enc.dim).toBe(32);
    expect(enc.device).toBe('cpu');
    expect(enc.id).toMatch(/^st:local:[0-9a-f]{16}:fp32$/);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('mean-pools over the attention mask and L2-normalizes, in batches with padding', async () => {
    const got = await enc.encode(TEXTS);
    const want = await reference(folder, TEXTS);
    expect(got).toHaveLength(TEXTS.length);
    got.forEach((v, i) => {
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      v.forEach((x, j) => expect(x).toBeCloseTo(want[i]![j]!, 4));
    });
  });

  it('gives the same vector for a text whatever batch it is in', async () => {
    const alone = (await enc.encode([TEXTS[2]!]))[0]!;
    const inBatch = (await enc.encode([TEXTS[0]!, TEXTS[2]!, TEXTS[4]!]))[1]!;
    alone.forEach((x, j) => expect(inBatch[j]).toBeCloseTo(x, 5));
    expect(Math.abs(alone[0]! - (await enc.encode([TEXTS[0]!]))[0]![0]!)).toBeGreaterThan(1e-4);
  });

  it('reports progress per batch', async () => {
    const seen: number[] = [];
    await enc.encode(TEXTS, { onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([2, 4, 5]);
  });
});

describe('SentenceEncoder, folder served at a URL', () => {
  it('loads over HTTP from the given folder URL and matches the local-folder vectors', async () => {
    const { createServer } = await import('node:http');
    const requested: string[] = [];
    const server = createServer((req, res) => {
      requested.push(req.url!);
      const rel = decodeURIComponent(req.url!.split('?')[0]!).replace(/^\/models\/tiny-minilm\//, '');
      try { res.end(readFileSync(join(FIXTURE, rel))); } catch { res.statusCode = 404; res.end(); }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const enc = await SentenceEncoder.load({ source: { kind: 'url', url: `http://127.0.0.1:${port}/models/tiny-minilm/` }, dtype: 'fp32' });
      expect(enc.id).toBe(`st:url:http://127.0.0.1:${port}/models/tiny-minilm:fp32`);
      const [v] = await enc.encode([TEXTS[0]!]);
      await enc.dispose();
      const { source } = await localModelSource(FIXTURE);
      const local = await SentenceEncoder.load({ source });
      const [w] = await local.encode([TEXTS[0]!]);
      await local.dispose();
      v!.forEach((x, j) => expect(x).toBeCloseTo(w![j]!, 5));
      expect(requested).toContain('/models/tiny-minilm/onnx/model.onnx');
    } finally {
      server.close();
      // Downloads land in transformers.js's file cache (one folder per URL); this port is one-off.
      if (env.cacheDir) rmSync(join(env.cacheDir, 'by-url', textHash(`http://127.0.0.1:${port}/models/tiny-minilm`)), { recursive: true, force: true });
    }
  });
});

describe('tiny-minilm fixture', () => {
  it('is what scripts/make-tiny-onnx.ts writes (deterministic, regenerable) and stays small', () => {
    const committed = readFileSync(join(FIXTURE, 'onnx', 'model.onnx'));
    expect(Buffer.from(buildTinyBert()).equals(committed)).toBe(true);
    expect(committed.byteLength).toBeLessThan(300_000);
  });
});

describe('SentenceEncoder errors a user can cause', () => {
  it('a folder without onnx/ is a UserError that says what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nomodel-'));
    cpSync(join(FIXTURE, 'config.json'), join(dir, 'config.json'));
    const err = await localModelSource(dir).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toMatch(/tokenizer\.json.*onnx\/model\.onnx/);
  });

  it('the hub path without a network is a UserError pointing to a local folder or GloVe', async () => {
    const offline = vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('fetch failed'));
    try {
      const err = await SentenceEncoder.load({ source: { kind: 'hub', model: 'Xenova/all-MiniLM-L6-v2' } }).catch((e: unknown) => e);
      expect(isUserError(err)).toBe(true);
      expect((err as { userMessage: string }).userMessage).toMatch(/GloVe/);
      expect(offline).toHaveBeenCalled();
      expect(String(offline.mock.calls[0]![0])).toContain('huggingface.co/Xenova/all-MiniLM-L6-v2');
    } finally {
      offline.mockRestore();
    }
  });

  it('a folder that does not exist is a UserError', async () => {
    const err = await localModelSource('/nonexistent/model').catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
  });
});
