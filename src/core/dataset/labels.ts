/**
 * The one rule for the order of a label set: sorted by code unit, each label once. The project,
 * the loop, the student and the bundle all list classes in this order, so a confusion matrix's
 * rows, a model's output columns and a per-class table line up however the seeds file happened to
 * list its labels. (Records still carry their own order: see `Metrics.labels`.)
 */
export function labelOrder(labels: Iterable<string>): string[] {
  return [...new Set(labels)].sort();
}
