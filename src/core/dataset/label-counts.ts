/**
 * Counting by label. Labels come from user files and teacher answers, so any string is possible,
 * `constructor`, `toString` and `__proto__` included: counting into a plain `{}` reads inherited
 * properties (`{}['constructor'] + 1` is a string) and `obj['__proto__'] = n` sets nothing. So
 * counts are kept in a Map and handed out as an object built by `Object.fromEntries`, whose keys
 * are all own properties (safe for JSON, structured clone and `Object.entries`). Look a label up
 * in such an object with `countOf`, never with `obj[label]`.
 */

/** label → count, in first-seen order (`order` first, each at 0, when given). */
export function countLabels(labels: Iterable<string>, order: Iterable<string> = []): Record<string, number> {
  const m = new Map<string, number>();
  for (const l of order) m.set(l, 0);
  for (const l of labels) m.set(l, (m.get(l) ?? 0) + 1);
  return Object.fromEntries(m);
}

/** The count of `label` in a record made by countLabels (0 when absent, whatever the label). */
export function countOf(counts: Record<string, number>, label: string): number {
  return Object.hasOwn(counts, label) ? counts[label] : 0;
}
