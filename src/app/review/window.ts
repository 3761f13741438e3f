/**
 * Windowing for long lists: only the rows in view (plus a few) are in the DOM, so thousands of
 * examples scroll smoothly. Fixed row heights keep it to arithmetic; no measuring, no layout thrash.
 */
/** The visible slice of a list of fixed-height rows, with some rows to spare on each side. */
export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = 6): { start: number; end: number } {
  // Clamped: after a filter shrinks the list the old scroll offset may lie past its end.
  const first = Math.min(count, Math.floor(Math.max(0, scrollTop) / rowHeight));
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + Math.ceil(viewport / rowHeight) + overscan);
  return { start, end: Math.max(start, end) };
}
