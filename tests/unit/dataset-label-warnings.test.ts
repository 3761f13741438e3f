/** Labels that are not labels get a warning (issue 18, item 10). */
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../../src/core/dataset/parse.js';

const enc = (s: string) => new TextEncoder().encode(s);
const codes = (text: string, name: string) => parseDataset(enc(text), name).warnings.map((w) => w.code);

describe('label shape warnings', () => {
  it('a plain list of sentences read as LABEL TEXT lines (classes "the" and "an") is flagged', () => {
    const lines = ['the movie was a delight', 'an overlong and tedious mess', 'the acting is superb', 'an instant classic', 'the plot makes no sense', 'an uneven comedy'];
    const r = parseDataset(enc(lines.join('\n') + '\n'), 'plain.txt');
    expect(r.format).toBe('label-space');
    expect(r.warnings.map((w) => w.code)).toEqual(['labels-look-like-words']);
    expect(r.warnings[0].message).toMatch(/ordinary words \('the', 'an'\).*upload it as unlabeled texts/);
  });

  it('a label column where nearly every row has its own value is flagged', () => {
    const rows = Array.from({ length: 12 }, (_, i) => `a fairly long review text number ${i},tag-${i}`).join('\n');
    expect(codes(`text,label\n${rows}\n`, 'ids.csv')).toContain('labels-mostly-unique');
  });

  it('real labels are not: 0/1 lines, yes/no, letter grades, topic names', () => {
    expect(codes('0 a dull film\n1 a fine film\n0 boring\n1 lovely\n', 'sst.txt')).toEqual([]);
    expect(codes('text,label\nis it raining,yes\nis it dry,no\nis it wet,yes\nis it cold,no\n', 'yn.csv')).toEqual([]);
    expect(codes('text,label\nexcellent essay,a\nweak essay,c\ngood essay,b\nfine essay,b\ngreat work,a\npoor work,c\n', 'grades.csv')).toEqual([]);
    expect(codes('text,label\nthe match ended late,sport\nrain all day,weather\na goal at last,sport\nsnow by noon,weather\n', 't.csv')).toEqual([]);
  });
});
