/**
 * The bundle's inference file embeds the core tokenizer and vocabulary lookup as generated
 * JavaScript. These tests fail when the generated copy is stale or behaves differently from the
 * core on real texts.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generate, GENERATED_PATH } from '../../scripts/build-bundle-runtime.js';
import { LOOKUP_JS, TOKENIZER_JS } from '../../src/core/bundle/runtime-source.generated.js';
import { inferenceModuleSource } from '../../src/core/bundle/inference-module.js';
import { tokenize } from '../../src/core/encode/tokenize.js';
import { lookupTokens } from '../../src/core/encode/word-vectors.js';

const DATASETS = resolve(__dirname, '../../../shared/datasets');

const bundled = new Function(`${TOKENIZER_JS}\n${LOOKUP_JS}\nreturn { tokenize, lookupTokens };`)() as {
  tokenize: typeof tokenize;
  lookupTokens: typeof lookupTokens;
};

const EDGE = [
  '', '   ', "Don't, can't, won't; they're here & we'll go", 'AT&amp;T &#39;quoted&#39; hasn #39;t quot;x quot;',
  '<br /><br />Tags <b>bold</b> &lt;i&gt;', '“Curly” ‘quotes’ — dashes – … ellipsis', 'Ünïcödé ＦＵＬＬ width ½ 日本語 テキスト',
  '1,000,000 3.5 10:30 1/2 a340-600 re-imagining --- !!! ???', 'emoji 😀👍🏽 and \u0000 control \u200b zero-width',
  'e\u0301 composed vs é', 'wo n\'t ca n\'t SST style', '\\$5 AG style',
];

describe('the bundle runtime source', () => {
  it('is up to date with src/core/encode (run `npx tsx scripts/build-bundle-runtime.ts` if not)', () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(generate());
  });

  it('is embedded verbatim in distillery-student.mjs', () => {
    const src = inferenceModuleSource();
    expect(src).toContain(TOKENIZER_JS);
    expect(src).toContain(LOOKUP_JS);
    expect(src.match(/^import .*$/gm)).toEqual(["import * as tf from '@tensorflow/tfjs';"]);
  });

  it('tokenizes edge cases exactly as the core', () => {
    for (const t of EDGE) expect(bundled.tokenize(t), JSON.stringify(t)).toEqual(tokenize(t));
  });

  it('looks up vocabulary (with the hyphen fallback) exactly as the core', () => {
    const index = new Map(['re', 'imagining', 'a', 'the', 'good'].map((w, i) => [w, i]));
    for (const t of EDGE) expect(bundled.lookupTokens({ index }, tokenize(t))).toEqual(lookupTokens({ index }, tokenize(t)));
  });

  it.skipIf(!existsSync(DATASETS))('tokenizes real datasets exactly as the core (needs ../shared/datasets)', () => {
    const texts = [
      ...readFileSync(resolve(DATASETS, 'sst2_sentence/stsa.binary.test'), 'utf8').split('\n'),
      ...readFileSync(resolve(DATASETS, 'ag_news/test.csv'), 'utf8').split('\n').slice(0, 3000),
      ...readFileSync(resolve(DATASETS, 'imdb/test_subset_1000.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 300).map((l) => JSON.parse(l).text as string),
    ];
    expect(texts.length).toBeGreaterThan(4000);
    let mismatches = 0;
    for (const t of texts) if (JSON.stringify(bundled.tokenize(t)) !== JSON.stringify(tokenize(t))) mismatches++;
    expect(mismatches).toBe(0);
  });
});
