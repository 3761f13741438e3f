import type { DatasetWarning } from './report.js';

/** Above this ratio between the largest and the smallest class, training needs care (class weights, more seeds). */
export const IMBALANCE_RATIO = 10;

/** Warnings about the label distribution that a user should see before spending teacher tokens. */
export function classWarnings(classes: Record<string, number>): DatasetWarning[] {
  const out: DatasetWarning[] = [];
  const entries = Object.entries(classes);
  if (entries.length === 1) {
    out.push({ code: 'one-class', message: `Only one class ('${entries[0][0]}'): a classifier needs at least two. Add examples of the other classes, or check the label column.` });
  }
  const tiny = entries.filter(([, n]) => n < 2).map(([k]) => `'${k}'`);
  if (tiny.length > 0) {
    out.push({ code: 'tiny-class', message: `${tiny.length === 1 ? 'Class' : 'Classes'} ${tiny.slice(0, 10).join(', ')}${tiny.length > 10 ? '…' : ''} ${tiny.length === 1 ? 'has' : 'have'} fewer than 2 examples; none can be held out for validation. Add a few more.` });
  }
  if (entries.length >= 2) {
    const counts = entries.map(([, n]) => n);
    const max = Math.max(...counts); const min = Math.min(...counts);
    if (max / min >= IMBALANCE_RATIO) {
      const big = entries.find(([, n]) => n === max)![0]; const small = entries.find(([, n]) => n === min)![0];
      out.push({ code: 'imbalance', message: `Heavy imbalance: '${big}' has ${max} examples, '${small}' only ${min} (${Math.round(max / min)}:1). The student may ignore the small classes; add examples of them or let the teacher generate some.` });
    }
  }
  return out;
}
