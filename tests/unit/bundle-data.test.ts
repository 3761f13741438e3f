import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { exportDataset, toCsv, toJsonl, toHfDataset, selectExamples } from '../../src/core/bundle/dataset-export.js';
import { fixtureExamples, LABELS } from './bundle-fixture.js';

const tricky = fixtureExamples();
tricky[0] = { ...tricky[0], text: 'Commas, "quotes" and\nnew lines — ünïcode 😀' };
const info = { name: 'Fixture', labels: LABELS, teacherModel: 'sim-teacher', createdAt: '2026-01-01T00:00:00Z' };

describe('dataset export', () => {
  it('synthetic selection leaves seeds out', () => {
    const s = selectExamples(tricky, 'synthetic');
    expect(s.length).toBe(8);
    expect(s.every((e) => e.provenance.source !== 'seed')).toBe(true);
  });

  it('CSV round-trips texts with commas, quotes and newlines, with provenance columns', () => {
    const rows = Papa.parse<Record<string, string>>(toCsv(tricky), { header: true, skipEmptyLines: true }).data;
    expect(rows).toHaveLength(tricky.length);
    expect(rows[0].text).toBe(tricky[0].text);
    expect(rows[0].source).toBe('seed');
    expect(rows[5].teacher_model).toBe('sim-teacher');
    expect(rows[5].prompt_template).toBe('extrapolated-v1');
    expect(rows[5].round).toBe('1');
  });

  it('JSONL keeps each example whole', () => {
    const lines = toJsonl(tricky).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(tricky.length);
    expect(lines[0].text).toBe(tricky[0].text);
    expect(lines[3].provenance).toEqual(tricky[3].provenance);
  });

  it('the Hugging Face layout has a data file per split and a card whose YAML declares them', () => {
    const files = toHfDataset(tricky, info);
    expect(Object.keys(files).sort()).toEqual(['README.md', 'data/train.jsonl', 'data/validation.jsonl']);
    const train = files['data/train.jsonl'].trim().split('\n').map((l) => JSON.parse(l));
    const val = files['data/validation.jsonl'].trim().split('\n').map((l) => JSON.parse(l));
    expect(train.length + val.length).toBe(tricky.length);
    expect(train.every((r) => LABELS[r.label] === r.label_text)).toBe(true);
    const card = files['README.md'];
    const yaml = card.slice(4, card.indexOf('\n---', 4));
    expect(card.startsWith('---\n')).toBe(true);
    expect(yaml).toContain('  - split: train\n    path: data/train.jsonl');
    expect(yaml).toContain('  - split: validation\n    path: data/validation.jsonl');
    expect(yaml).toContain(`          '0': "neg"\n          '1': "pos"`);
    expect(yaml).toContain(`  - name: train\n    num_examples: ${train.length}`);
  });

  it('one call per format, synthetic only by default of the caller', () => {
    expect(Object.keys(exportDataset(tricky, 'jsonl', 'synthetic', info))).toEqual(['synthetic.jsonl']);
    expect(Object.keys(exportDataset(tricky, 'csv', 'all', info))).toEqual(['dataset.csv']);
    const hf = exportDataset(tricky, 'hf', 'synthetic', info);
    const n = Object.entries(hf).filter(([k]) => k.startsWith('data/')).reduce((s, [, v]) => s + v.trim().split('\n').length, 0);
    expect(n).toBe(8);
  });
});
