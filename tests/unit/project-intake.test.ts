/**
 * Issue 19, item 6: a project made from a labeled file and an unlabeled file. An unlabeled text
 * that is also a labeled example is kept once, as labeled, and how many were left out is counted,
 * so "400 accepted" and the 395 unlabeled rows stored are explained rather than silently apart.
 */
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../src/core/dataset/parse.js';
import { createProject, intakeExamples } from '../../src/core/projects/projects.js';
import { MemoryStore } from '../../src/core/store/memory.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('a new project from labeled and unlabeled files', () => {
  const seeds = parseDataset(enc('text,label\nThe match went to extra time,sport\nRain all day,weather\nA spicy noodle soup,food\n'), 'seeds.csv');
  const texts = [...Array.from({ length: 7 }, (_, i) => `unlabeled text number ${i}`), 'The match went to extra time', '  rain ALL day '];
  const pool = parseDataset(enc('text\n' + texts.join('\n') + '\n'), 'pool.csv', { requireLabels: false });

  it('keeps an unlabeled text that is a labeled example once, as labeled, and counts it (same text up to case and space)', async () => {
    expect(pool.accepted).toBe(9);
    const { examples, alsoLabeled } = intakeExamples(seeds.examples, pool.examples);
    expect(alsoLabeled).toBe(2);
    const store = new MemoryStore();
    await createProject(store, { id: 'p', name: 'Topics', examples, settings: { data: { seeds: { fileName: 'seeds.csv', format: 'csv', textColumn: 'text', labelColumn: 'label', accepted: 3, rejected: 0 }, unlabeled: { fileName: 'pool.csv', format: 'csv', textColumn: 'text', labelColumn: null, accepted: pool.accepted, rejected: 0, alsoLabeled } } } });
    const stored = await store.listExamples('p');
    const unlabeled = stored.filter((e) => e.split === 'unlabeled');
    // What the report accepted = what is stored unlabeled + what was kept as labeled.
    expect(unlabeled.length + alsoLabeled).toBe(pool.accepted);
    expect(unlabeled.every((e) => e.label === null)).toBe(true);
    expect(stored.filter((e) => e.label !== null).map((e) => e.text).sort()).toEqual(['A spicy noodle soup', 'Rain all day', 'The match went to extra time']);
    expect((await store.getProject('p'))!.settings.data!.unlabeled!.alsoLabeled).toBe(2);
  });

  it('with no unlabeled file, or none in common, nothing is left out', () => {
    expect(intakeExamples(seeds.examples).alsoLabeled).toBe(0);
    expect(intakeExamples(seeds.examples, pool.examples.slice(0, 7))).toMatchObject({ alsoLabeled: 0 });
    expect(intakeExamples(seeds.examples, pool.examples.slice(0, 7)).examples).toHaveLength(10);
  });
});
