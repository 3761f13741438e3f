/**
 * User text in the model card (project name, task, labels, teacher model, template names) is
 * data, not markup: cards are rendered as Markdown with HTML on model hubs, so a name such as
 * `# <img src=x onerror=…>` must print as those characters, not as a heading and an image.
 */

/** Plain text that renders as itself in Markdown, in a paragraph, a list item or a table cell. */
export function mdText(s: string): string {
  return s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    // Inline markup: emphasis, code, links, images, table cells, strikethrough.
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    // Block markup only counts at the start of a line: a heading, a list item, a numbered item.
    .replace(/^(\s*)([#+-]|\d+[.)])/, (_m, sp: string, mark: string) => `${sp}${mark.replace(/([#+\-.)])$/, '\\$1')}`);
}

/**
 * Inline code: a fence of more backticks than the text's longest run, so the text cannot close it
 * (CommonMark code spans), padded when the text starts or ends with a backtick. HTML inside a
 * code span is shown, not rendered. `|` is escaped too, since tables split cells before code spans.
 */
export function mdCode(s: string): string {
  const text = s.replace(/[\r\n\t]+/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
