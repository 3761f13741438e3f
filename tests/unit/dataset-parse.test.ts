import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'fflate';
import { parseDataset, DEFAULT_MAX_BYTES } from '../../src/core/dataset/parse.js';

const enc = (s: string) => new TextEncoder().encode(s);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));
const userError = (fn: () => unknown) => {
  try { fn(); } catch (e) { return e as { name: string; code: string; userMessage: string }; }
  throw new Error('expected a UserError');
};

describe('parseDataset: CSV as real files come', () => {
  it('reads quoted multi-line fields, a BOM and CRLF, with rows numbered by the line they start on', () => {
    const r = parseDataset(fixture('seeds-multiline.csv'), 'seeds-multiline.csv');
    expect(r.format).toBe('csv');
    expect(r.columns).toMatchObject({ text: 'text', label: 'label', header: { present: true } });
    expect(r.accepted).toBe(12);
    expect(r.rejected).toEqual([]);
    expect(r.classes).toEqual({ positive: 5, negative: 5, neutral: 2 });
    const walked = r.examples.find((e) => e.text.startsWith('I walked out'))!;
    expect(walked.text).toBe('I walked out after twenty minutes.\nNever again.');
    expect(walked.provenance).toMatchObject({ source: 'seed', file: 'seeds-multiline.csv', row: 3 });
    expect(r.examples.find((e) => e.text.startsWith('She said'))!.text).toBe('She said "best film of the year" and she was right.');
    // The multi-line record on lines 6-8 pushes the next record to line 9.
    expect(r.examples.find((e) => e.text === 'A quiet, moving story about a family.')!.provenance.row).toBe(9);
    expect(r.examples.every((e) => e.split === 'train' && e.label !== null)).toBe(true);
  });

  it('finds ; and TAB delimiters and reads a .gz file', () => {
    const semi = parseDataset(enc('sentence;category\nbon film, vraiment;pos\nnul;neg\n'), 'x.csv');
    expect([semi.delimiter, semi.accepted, semi.examples[0].text]).toEqual([';', 2, 'bon film, vraiment']);
    const tsv = parseDataset(gzipSync(enc('review\tsentiment\ngreat, fun\t1\nawful\t0\n')), 'x.tsv.gz');
    expect([tsv.delimiter, tsv.compressed, tsv.classes]).toEqual(['\t', true, { 1: 1, 0: 1 }]);
  });

  it('rejects each bad row with its line and reason, and keeps the rest', () => {
    const csv = 'text,label\ngood one,pos\n,neg\nno label here,\ngood one,pos\n"a","b","c"\nbad one,neg\nsame text,pos\nsame text,neg\n' + `${'x'.repeat(30)},pos\n`;
    const r = parseDataset(enc(csv), 'rows.csv', { maxTextChars: 20 });
    expect(r.rejected.map(({ row, reason }) => [row, reason])).toEqual([
      [3, 'empty text'], [4, 'missing label'], [5, 'duplicate'], [6, 'malformed row'], [9, 'duplicate'], [10, 'text too long'],
    ]);
    expect(r.rejected[2].detail).toBe('same text as row 2');
    expect(r.rejected[3].detail).toMatch(/3 fields where the file has 2/);
    expect(r.accepted).toBe(3);
    expect(r.accepted + r.rejected.length).toBe(r.rows);
    expect(r.warnings.map((w) => w.code)).toContain('label-conflict');
  });

  it('reports an unterminated quote as a malformed row, not a silent merge', () => {
    const r = parseDataset(enc('text,label\nfine,a\nalso fine,b\n"oops,a\nlost,b\n'), 'q.csv');
    expect(r.rejected.some((x) => x.reason === 'malformed row' && x.row === 4)).toBe(true);
    expect(r.accepted).toBe(2);
  });
});

describe('parseDataset: headers and columns', () => {
  it('detects a missing header by content and picks text (longest) and label (few values)', () => {
    const lines = ['World', 'Sports', 'Business', 'Sci/Tech'].flatMap((l, i) =>
      Array.from({ length: 5 }, (_, k) => `Story number ${k} about ${l.toLowerCase()} and some more words for length ${i}\t${l}`));
    const r = parseDataset(enc(lines.join('\n')), 'news.tsv');
    expect(r.columns.header.present).toBe(false);
    expect([r.columns.text, r.columns.label, r.accepted]).toEqual(['column 1', 'column 2', 20]);
    expect(Object.keys(r.classes)).toEqual(['World', 'Sports', 'Business', 'Sci/Tech']);
    expect(r.warnings.map((w) => w.code)).toContain('header-guessed');
  });

  it('reads "class","title","description" rows without header like AG News test.csv', () => {
    const rows = Array.from({ length: 12 }, (_, i) => `"${(i % 4) + 1}","Title ${i}","A longer description of story ${i}, with commas, and more text."`);
    const r = parseDataset(enc(rows.join('\n')), 'test.csv');
    expect(r.columns).toMatchObject({ text: 'column 3', label: 'column 1', header: { present: false } });
    expect(r.accepted).toBe(12);
  });

  it('takes a numeric header like yelp\'s "0,1" as a header, not as a data row', () => {
    const rows = ['0,1', ...Array.from({ length: 10 }, (_, i) => `${(i % 2) + 1},"Review ${i}: the service was slow but the food was worth the wait."`)];
    const r = parseDataset(enc(rows.join('\n')), 'yelp.csv');
    expect(r.columns.header.present).toBe(true);
    expect(r.classes).toEqual({ 1: 5, 2: 5 });
  });

  it('obeys column and header overrides, by name or 1-based number, and names a missing column', () => {
    const csv = 'id,title,body,topic\n1,Short,"A long body text here",a\n2,Other,"Another long body text",b\n';
    expect(parseDataset(enc(csv), 'c.csv').columns).toMatchObject({ text: 'body', label: 'topic' });
    const r = parseDataset(enc(csv), 'c.csv', { textColumn: 'title', labelColumn: '4' });
    expect(r.columns).toMatchObject({ text: 'title', label: 'topic', how: { text: 'option', label: 'option' } });
    expect(r.examples.map((e) => e.text)).toEqual(['Short', 'Other']);
    const e = userError(() => parseDataset(enc(csv), 'c.csv', { labelColumn: 'klass' }));
    expect(e.code).toBe('no-such-column');
    expect(e.userMessage).toContain("'id', 'title', 'body', 'topic'");
    const noHeader = parseDataset(enc('text,label\nfoo,a\nbar,b\n'), 'h.csv', { hasHeader: false, requireLabels: false, textColumn: '1' });
    expect(noHeader.examples.map((x) => x.text)).toEqual(['text', 'foo', 'bar']);
  });
});

describe('parseDataset: other formats', () => {
  it('reads JSONL (a bad line is a malformed row) and JSON arrays', () => {
    const jl = parseDataset(enc('{"text":"a b","label":1}\n{"text": oops}\n{"text":"c d","label":0,"id":7}\n'), 'x.jsonl');
    expect([jl.format, jl.accepted, jl.classes]).toEqual(['jsonl', 2, { 1: 1, 0: 1 }]);
    expect(jl.rejected).toMatchObject([{ row: 2, reason: 'malformed row' }]);
    const arr = parseDataset(enc(JSON.stringify([{ utterance: 'book a flight', intent: 'travel' }, { utterance: 'play jazz', intent: 'music' }])), 'x.json');
    expect([arr.format, arr.columns.text, arr.columns.label, arr.accepted]).toEqual(['json', 'utterance', 'intent', 2]);
    const wrapped = parseDataset(enc(JSON.stringify({ data: ['one text', 'two text'] })), 'w.json', { requireLabels: false });
    expect(wrapped.examples.map((e) => [e.text, e.label, e.split])).toEqual([['one text', null, 'unlabeled'], ['two text', null, 'unlabeled']]);
    expect(userError(() => parseDataset(enc('[{"text": "a",}]'), 'bad.json')).code).toBe('bad-json');
  });

  it('reads `LABEL TEXT` lines (SST-2 sentence files) and fastText lines', () => {
    const ls = parseDataset(enc('0 a dull , lifeless film .\n1 a joy , from start to end .\n1 fine , fine .\n'), 'stsa.binary.dev');
    expect([ls.format, ls.accepted, ls.classes, ls.examples[0].text]).toEqual(['label-space', 3, { 0: 1, 1: 2 }, 'a dull , lifeless film .']);
    const ft = parseDataset(enc('__label__pos great movie\n__label__neg bad movie\n__label__neg __label__pos mixed\n'), 'train.txt');
    expect([ft.format, ft.accepted, ft.classes]).toEqual(['fasttext', 2, { pos: 1, neg: 1 }]);
    expect(ft.rejected).toMatchObject([{ row: 3, reason: 'malformed row' }]);
  });

  it('decodes UTF-16 with a BOM', () => {
    const s = '\ufefftext,label\ncafé,a\nthé,b\n';
    const b = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) { b[2 * i] = s.charCodeAt(i) & 255; b[2 * i + 1] = s.charCodeAt(i) >> 8; }
    const r = parseDataset(b, 'u16.csv');
    expect([r.encoding, r.examples.map((e) => e.text)]).toEqual(['utf-16le', ['café', 'thé']]);
  });
});

describe('parseDataset: files a new user might give it', () => {
  it('an empty or blank file', () => {
    expect(userError(() => parseDataset(new Uint8Array(0), 'empty.csv'))).toMatchObject({ name: 'UserError', code: 'empty-file' });
    expect(userError(() => parseDataset(enc('\n \r\n'), 'blank.csv')).code).toBe('empty-file');
  });

  it('a PNG renamed .csv, and other binary data', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const e = userError(() => parseDataset(png, 'photo.csv'));
    expect(e.code).toBe('not-text');
    expect(e.userMessage).toMatch(/photo\.csv is a PNG image.*CSV/);
    expect(userError(() => parseDataset(new Uint8Array([65, 66, 0, 1, 2, 3, 10, 65]), 'blob.csv')).code).toBe('not-text');
  });

  it('an executable renamed .csv is a program, and other binary data is binary, never "UTF-16 text" (issue 19)', () => {
    // What an x86-64 program looks like: a header, then tables of little-endian words, so its NULs
    // fill both byte lanes (more than a quarter of the bytes: the old test took that for UTF-16).
    const words = new Uint8Array(4096);
    const view = new DataView(words.buffer);
    for (let i = 0; i < words.length; i += 8) view.setBigUint64(i, BigInt((i * 4099) % 65_521), true);
    const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Uint8Array(8), 2, 0, 0x3e, 0, 1, 0, 0, 0, ...words]);
    const e = userError(() => parseDataset(elf, 'data.csv'));
    expect(e.code).toBe('not-text');
    expect(e.userMessage).toMatch(/data\.csv is an executable program \(ELF\), not a text file/);
    // The same words with no magic number in front: binary by its NULs, in both lanes.
    const blob = userError(() => parseDataset(words.slice(8), 'blob.csv'));
    expect(blob.code).toBe('not-text');
    expect(blob.userMessage).toMatch(/^blob\.csv contains binary data \(NUL bytes\), so it is not a text file\./);
  });

  it('UTF-16 without a byte-order mark is named as such, little- or big-endian', () => {
    const chars = [...'text,label\nhello there,pos\ngood bye,neg\n'].map((c) => c.charCodeAt(0));
    for (const bytes of [chars.flatMap((c) => [c, 0]), chars.flatMap((c) => [0, c])]) {
      const e = userError(() => parseDataset(new Uint8Array(bytes), 'u16.csv'));
      expect(e.code).toBe('bad-encoding');
      expect(e.userMessage).toMatch(/^u16\.csv looks like UTF-16 text without a byte-order mark/);
    }
  });

  it('a Latin-1 file names the encoding to convert to', () => {
    const latin1 = new Uint8Array([...enc('text,label\ncaf'), 0xe9, ...enc(',a\n')]);
    const e = userError(() => parseDataset(latin1, 'latin.csv'));
    expect(e.code).toBe('bad-encoding');
    expect(e.userMessage).toMatch(/not valid UTF-8 \(first bad byte at offset 14\).*Convert it to UTF-8/);
  });

  it('a file over the size limit (60 MB) is refused before decoding, naming the limit', () => {
    const big = new Uint8Array(60 * 1024 * 1024).fill(97);
    const e = userError(() => parseDataset(big, 'big.csv'));
    expect(e.code).toBe('too-large');
    expect(e.userMessage).toMatch(/60\.0 MB, over the 50\.0 MB limit/);
    expect(DEFAULT_MAX_BYTES).toBe(50 * 1024 * 1024);
    const gz = gzipSync(big, { level: 1 });
    expect(userError(() => parseDataset(gz, 'big.csv.gz')).userMessage).toMatch(/over the 50\.0 MB limit once decompressed/);
  });

  it('a one-column file offered as labeled data says to pick a label column or upload it as unlabeled', () => {
    const e = userError(() => parseDataset(enc('text\nfirst review\nsecond review\n'), 'one.csv'));
    expect(e.code).toBe('no-label-column');
    expect(e.userMessage).toMatch(/only one column.*unlabeled/);
    const plain = userError(() => parseDataset(enc('first review here\nsecond review here\n'), 'lines.txt'));
    expect(plain.code).toBe('no-label-column');
    const ok = parseDataset(enc('text\nfirst review\nsecond review\n'), 'one.csv', { requireLabels: false });
    expect([ok.labeled, ok.accepted, ok.examples[0].split, ok.warnings]).toEqual([false, 2, 'unlabeled', []]);
  });

  it('a single-class file is accepted with a warning; tiny and imbalanced classes are flagged', () => {
    const one = parseDataset(enc('text,label\na,x\nb,x\nc,x\n'), 'one-class.csv');
    expect(one.accepted).toBe(3);
    expect(one.warnings.map((w) => w.code)).toEqual(['one-class']);
    expect(one.warnings[0].message).toMatch(/Only one class \('x'\)/);
    const skew = ['text,label', ...Array.from({ length: 20 }, (_, i) => `big ${i},big`), 'lonely,small'].join('\n');
    const codes = parseDataset(enc(skew), 'skew.csv').warnings.map((w) => w.code);
    expect(codes).toEqual(expect.arrayContaining(['tiny-class', 'imbalance']));
    const balanced = parseDataset(enc('text,label\na,x\nb,x\nc,y\nd,y\n'), 'ok.csv');
    expect(balanced.warnings).toEqual([]);
  });

  it('a file whose rows are all unusable is one error, not an empty dataset', () => {
    const e = userError(() => parseDataset(enc('text,label\n,a\n,b\n'), 'blank-texts.csv'));
    expect(e.code).toBe('no-examples');
    expect(e.userMessage).toContain('2 empty text');
  });
});

describe('parseDataset: inputs that used to throw instead of reporting (issue 18)', () => {
  it('a JSON value nested deeper than JSON.stringify can walk makes its row malformed', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const r = parseDataset(enc(`{"text": ${deep}, "label": "a"}\n{"text": "fine", "label": "b"}\n{"text": "ok", "label": "a"}\n`), 'deep.jsonl');
    expect(r.rejected).toEqual([{ row: 1, reason: 'malformed row', detail: 'a value nested too deeply to read' }]);
    expect(r.accepted).toBe(2);
  });

  it('a key named like an Object.prototype member, missing from a row, reads as empty', () => {
    const r = parseDataset(enc('{"text": "first", "label": "a"}\n{"text": "second", "label": "b", "valueOf": "x"}\n'), 'vo.jsonl');
    expect(r.accepted).toBe(2);
    expect(r.columns.names).toEqual(['text', 'label', 'valueOf']);
  });

  it('300,000 distinct labels and a 300,000-item JSON list of lists do not overflow the stack', () => {
    const many = parseDataset(enc('text,label\n' + Array.from({ length: 300_000 }, (_, i) => `t${i},l${i}`).join('\n') + '\n'), 'many.csv');
    expect(Object.keys(many.classes)).toHaveLength(300_000);
    expect(many.warnings.map((w) => w.code)).toContain('labels-mostly-unique');
    const lists = parseDataset(enc(JSON.stringify(Array.from({ length: 300_000 }, (_, i) => [`text ${i}`, i % 2 ? 'a' : 'b']))), 'lists.json');
    expect(lists.accepted).toBe(300_000);
  });
});
