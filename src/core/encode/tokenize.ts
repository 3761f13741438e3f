/**
 * The one word tokenizer behind every word-vector lookup: the GloVe encoder, the end-to-end
 * word-vector student, the Node CLI and the exported bundle's inference file all call this, so a
 * text becomes the same tokens everywhere. It is dependency-free and deterministic on purpose.
 *
 * Rules, in order:
 * 1. Unicode NFC, then undo the HTML debris real datasets carry: entities (`&amp;`, `&#39;`,
 *    `&quot;`) including AG News's broken forms (` #39;`, `quot;`, `#36;`), and tags
 *    (`<br />` in IMDb, `<b>` in AG News) become a space.
 * 2. Curly quotes and dashes fold to the ASCII forms the vectors know; lowercase; Penn Treebank
 *    bracket escapes (`-lrb-`, SST has them) become brackets.
 * 3. Contractions split like the Penn Treebank / GloVe tokenizer, but the negation and verb
 *    clitics map to full words, because the vectors have no entry for `n't`, `'re` or `'ll`
 *    (they do for `not`, `are`, `will`): `don't` -> `do not`, `can't` -> `can not`,
 *    `won't` -> `will not`, `they're` -> `they are`. Possessive/`is` `'s` stays `'s` (ambiguous;
 *    the end-to-end student can learn it). Pre-tokenized text (SST: `wo n't`) gives the same.
 * 4. Tokens: numbers with inner separators (`1,000`, `3.5`), words of letters/digits with inner
 *    hyphens (`re-imagining`, `a340-600`), and each punctuation run as one token (`...` -> `.`),
 *    so a row of dots does not outweigh the words in a mean-pool.
 */

/** Windows-1252 code points that HTML scrapes write as `&#145;`..`&#151;` (AG News does). */
const CP1252: Record<number, string> = {
  130: ',', 132: '"', 133: '...', 139: '<', 145: "'", 146: "'", 147: '"', 148: '"', 150: '-', 151: '--', 155: '>',
};

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  // `&#39;`, ` #39;` (AG News turned the ampersand into a space: `hasn #39;t`) and `&#x27;`.
  let out = text.replace(/(?:&| ?)#(\d{1,7}|x[0-9a-f]{1,6});/gi, (_m, code: string) => {
    const n = code[0] === 'x' || code[0] === 'X' ? parseInt(code.slice(1), 16) : parseInt(code, 10);
    if (CP1252[n] !== undefined) return CP1252[n];
    return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : ' ';
  });
  // `&amp;`, and the bare `quot;` / `amp;` AG News has, but never the tail of a word (`aquot;`).
  out = out.replace(/&(amp|lt|gt|quot|apos|nbsp);|(?<!\p{L})(amp|lt|gt|quot|apos|nbsp);/giu,
    (_m, a: string | undefined, b: string | undefined) => NAMED[(a ?? b ?? '').toLowerCase()] ?? ' ');
  return out;
}

const TAG = /<\/?[a-z][a-z0-9]*(?:\s[^<>]{0,300})?\/?>/gi;

const FOLD: Array<[RegExp, string]> = [
  [/[\u2018\u2019\u201b\u2032\u0060\u00b4]/g, "'"],
  [/[\u201c\u201d\u201e\u2033\u00ab\u00bb]/g, '"'],
  [/[\u2013\u2212]/g, '-'],
  [/\u2014/g, '--'],
  [/\u2026/g, '...'],
  [/[\u00a0\u2000-\u200b\u3000]/g, ' '],
];

/** Penn Treebank escapes in pre-tokenized corpora (SST writes `-lrb-` for `(`). */
const PTB = /-(?:lrb|rrb|lsb|rsb|lcb|rcb)-/g;
const PTB_TO: Record<string, string> = { '-lrb-': '(', '-rrb-': ')', '-lsb-': '[', '-rsb-': ']', '-lcb-': '{', '-rcb-': '}' };

/** Clitics mapped to the words the vectors know; `'s` is left alone (possessive or `is`). */
const CONTRACTIONS: Array<[RegExp, string]> = [
  [/\bca ?n't\b/g, 'can not'],
  [/\bwo ?n't\b/g, 'will not'],
  [/\bshan't\b/g, 'shall not'],
  [/\bain't\b/g, 'is not'],
  [/(\p{L})n't\b/gu, '$1 not'],
  [/(^|\s)n't\b/g, '$1not'],
  [/(\p{L}|^|\s)'re\b/gu, '$1 are'],
  [/(\p{L}|^|\s)'ve\b/gu, '$1 have'],
  [/(\p{L}|^|\s)'ll\b/gu, '$1 will'],
  [/(\p{L}|^|\s)'m\b/gu, '$1 am'],
  [/(\p{L}|^|\s)'d\b/gu, '$1 would'],
  [/(\p{L})'s\b/gu, "$1 's"],
];

const TOKEN = /\p{N}+(?:[.,:/]\p{N}+)+|[\p{L}\p{M}\p{N}]+(?:-[\p{L}\p{M}\p{N}]+)*|'s\b|([^\s\p{L}\p{M}\p{N}])\1*/gu;

/** Normalises a raw text (entities, tags, quotes, case) before splitting; exported for tests. */
export function normalizeText(text: string): string {
  let t = decodeEntities(text.normalize('NFC'));
  // AG News escapes dollars as `\$`.
  t = t.replace(TAG, ' ').replace(/\\(?=[$"'])/g, '');
  // A second pass: `&lt;b&gt;` only becomes a tag after the entities are decoded.
  t = decodeEntities(t).replace(TAG, ' ');
  for (const [re, to] of FOLD) t = t.replace(re, to);
  t = t.toLowerCase().replace(PTB, (m) => PTB_TO[m]!);
  for (const [re, to] of CONTRACTIONS) t = t.replace(re, to);
  return t;
}

/** Splits a text into lowercase word tokens (see the rules above). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of normalizeText(text).matchAll(TOKEN)) {
    // A punctuation run counts once: `!!!` -> `!`, `...` -> `.`, `--` -> `-`.
    out.push(m[1] ?? m[0]);
  }
  return out;
}
