/**
 * Chromium steps a focused number field with the mouse wheel, so a user scrolling the page past
 * the budget they just typed changes it without noticing. A wheel over a focused number field gives
 * up the focus first; the wheel then scrolls the page, as it does everywhere else.
 */
export function wheelScrollsPage(e: WheelEvent & { currentTarget: EventTarget & HTMLInputElement }): void {
  if (document.activeElement === e.currentTarget) e.currentTarget.blur();
}
