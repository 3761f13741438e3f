import type { DatasetWarning } from './report.js';

/** Above this ratio between the largest and the smallest class, training needs care (class weights, more seeds). */
export const IMBALANCE_RATIO = 10;

/**
 * English words that begin sentences but are never class names. Single letters, yes/no and
 * numbers are left out on purpose: those are real labels (grades, answers, ratings).
 */
const FUNCTION_WORDS = new Set(('the an this that these those it its i we you he she they my our your his her their there here '
  + 'in on at of and but or so to for with as by from is was are were be been if then when while what why how who which '
  + 'after before just very all some most many much more also even still only').split(' '));

/**
 * Labels that are not labels: the first word of plain sentences read as `LABEL TEXT` lines
 * ('the', 'an'), or a column of near-unique values taken as the label.
 */
export function labelShapeWarnings(classes: Record<string, number>, accepted: number): DatasetWarning[] {
  const out: DatasetWarning[] = [];
  const entries = Object.entries(classes);
  const wordy = entries.filter(([l]) => FUNCTION_WORDS.has(l.toLowerCase()));
  const wordyRows = wordy.reduce((n, [, c]) => n + c, 0);
  if (wordy.length > 0 && wordyRows * 2 >= accepted) {
    out.push({ code: 'labels-look-like-words', message: `The labels look like ordinary words (${wordy.slice(0, 5).map(([l]) => `'${l}'`).join(', ')}): is this a plain list of sentences whose first word was taken as the label? If so, upload it as unlabeled texts, or add a label column.` });
  }
  if (accepted >= 10 && entries.length * 2 > accepted) {
    out.push({ code: 'labels-mostly-unique', message: `${entries.length} different labels for ${accepted} rows: nearly every row has its own label. Check that the label column is right; a classifier needs several examples of each label.` });
  }
  return out;
}

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
    // A loop, not Math.max(...counts): a file can have hundreds of thousands of labels.
    let max = 0; let min = Infinity;
    for (const c of counts) { if (c > max) max = c; if (c < min) min = c; }
    if (max / min >= IMBALANCE_RATIO) {
      const big = entries.find(([, n]) => n === max)![0]; const small = entries.find(([, n]) => n === min)![0];
      out.push({ code: 'imbalance', message: `Heavy imbalance: '${big}' has ${max} examples, '${small}' only ${min} (${Math.round(max / min)}:1). The student may ignore the small classes; add examples of them or let the teacher generate some.` });
    }
  }
  return out;
}
