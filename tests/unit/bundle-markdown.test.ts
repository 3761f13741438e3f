import { describe, expect, it } from 'vitest';
import { mdCode, mdText } from '../../src/core/bundle/markdown.js';
import { renderModelCard } from '../../src/core/bundle/model-card.js';
import type { Metrics } from '../../src/core/student/metrics.js';

const hostile = '# <img src=x onerror=alert(9)>proj';

function metricsFor(labels: string[]): Metrics {
  return {
    n: 4, accuracy: 0.5, macroF1: 0.5, ece: 0.1,
    perClass: labels.map((label) => ({ label, precision: 0.5, recall: 0.5, f1: 0.5, support: 2 })),
    confusion: labels.map(() => labels.map(() => 1)),
    labels,
  } as unknown as Metrics;
}

describe('user text in the model card', () => {
  it('prints as text: no HTML tag, no heading or link made from a name, a label or a teacher model', () => {
    const labels = ['<b>bold</b>|pipe', 'a`b', 'plain'];
    const card = renderModelCard({
      name: hostile, task: '- [click](javascript:alert(1))', labels, metrics: { val: metricsFor(labels) }, examples: [],
      teacherModel: 'evil`</code><script>x</script>', studentKind: 'wordpool', hyperparameters: {},
      input: { kind: 'token-ids', vocabSize: 10, maxLen: 8, padding: 'post' } as never, createdAt: '2026-12-04',
    });
    // Outside code spans (where CommonMark shows HTML as text) there is no tag at all.
    const outsideCode = card.replace(/(?<![\\`])(`+)(?!`)([^\n]*?[^`\n])\1(?!`)/g, '');
    expect(outsideCode.split('\n').filter((l) => l.includes('<'))).toEqual([]);
    expect(card).toContain('# &lt;img src=x onerror=alert(9)&gt;proj');
    // The task line is no list item and no link.
    expect(card).toContain('\\- \\[click\\](javascript:alert(1))');
    // Each per-class row still has exactly five cells (a label's | is escaped).
    const rows = card.split('\n').filter((l) => l.startsWith('| ') && l.includes('0.5000'));
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.split(/(?<!\\)\|/).length - 2).toBe(5);
    // A backtick in the teacher's name cannot close its code span.
    expect(card).toContain('``evil`</code><script>x</script>``');
  });
});

describe('mdText and mdCode', () => {
  it('leave ordinary words alone', () => {
    expect(mdText('sci-fi movies, 2nd edition.')).toBe('sci-fi movies, 2nd edition.');
    expect(mdCode('gpt-4o-mini')).toBe('`gpt-4o-mini`');
  });
  it('fence code with more backticks than the text holds', () => {
    expect(mdCode('a``b')).toBe('```a``b```');
    expect(mdCode('`x')).toBe('`` `x ``');
  });
});
