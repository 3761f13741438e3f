import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDataset } from '../../src/core/dataset/parse.js';

/** Real files from ../shared/datasets (absent on a user's fresh clone: then these tests skip, saying so). */
const ROOT = fileURLToPath(new URL('../../../shared/datasets/', import.meta.url));
const have = existsSync(ROOT);
if (!have) console.warn(`[dataset-shared] skipped: ${ROOT} is absent (the shared benchmark data is only on the team's machines).`);
const load = (p: string) => new Uint8Array(readFileSync(ROOT + p));

describe.skipIf(!have)('parseDataset on the shared real datasets', () => {
  it('sst2_glue/dev.tsv: 872 rows, classes 0 and 1, by header names', () => {
    const r = parseDataset(load('sst2_glue/dev.tsv'), 'dev.tsv');
    expect([r.accepted, r.rejected.length, r.classes]).toEqual([872, 0, { 0: 428, 1: 444 }]);
    expect(r.columns).toMatchObject({ text: 'sentence', label: 'label' });
  });

  it('sst2_sentence/stsa.binary.dev: the `LABEL TEXT` line format', () => {
    const r = parseDataset(load('sst2_sentence/stsa.binary.dev'), 'stsa.binary.dev');
    expect([r.format, r.accepted + r.rejected.length, Object.keys(r.classes).sort()]).toEqual(['label-space', 872, ['0', '1']]);
  });

  it('ag_news: the headerless TSV and the headerless "class","title","description" CSV', () => {
    const tsv = parseDataset(load('ag_news/train_sample_10k.tsv'), 'train_sample_10k.tsv');
    expect(tsv.columns.header.present).toBe(false);
    expect(Object.keys(tsv.classes).sort()).toEqual(['Business', 'Sci/Tech', 'Sports', 'World']);
    expect(tsv.accepted + tsv.rejected.length).toBe(10_001);
    const csv = parseDataset(load('ag_news/test.csv'), 'test.csv');
    expect(csv.columns).toMatchObject({ text: 'column 3', label: 'column 1' });
    expect(csv.accepted + csv.rejected.length).toBe(7_600);
  });

  it('sst2_glue/test_unlabeled.tsv is refused as labeled and read as unlabeled texts', () => {
    expect(() => parseDataset(load('sst2_glue/test_unlabeled.tsv'), 'test_unlabeled.tsv')).toThrow(/No label column/);
    const r = parseDataset(load('sst2_glue/test_unlabeled.tsv'), 'test_unlabeled.tsv', { requireLabels: false });
    expect([r.columns.text, r.labeled, r.accepted + r.rejected.length]).toEqual(['sentence', false, 1821]);
  });

  it('imdb: gzipped JSONL with long texts', () => {
    const r = parseDataset(load('imdb/test.jsonl.gz'), 'test.jsonl.gz');
    expect([r.compressed, r.accepted + r.rejected.length, Object.keys(r.classes).sort()]).toEqual([true, 25_000, ['0', '1']]);
    expect(r.rejected.every((x) => x.reason === 'duplicate')).toBe(true);
  });
});
