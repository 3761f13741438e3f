import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/core/encode/tokenize.js';

describe('tokenize', () => {
  it('lowercases and splits punctuation off words', () => {
    expect(tokenize('Hello, World! (Really?)')).toEqual(['hello', ',', 'world', '!', '(', 'really', '?', ')']);
  });

  it('maps negation and verb clitics to words the vectors know', () => {
    expect(tokenize("I don't, can't, won't. They're; we'll; I'm; I'd; I've")).toEqual([
      'i', 'do', 'not', ',', 'can', 'not', ',', 'will', 'not', '.', 'they', 'are', ';', 'we', 'will', ';',
      'i', 'am', ';', 'i', 'would', ';', 'i', 'have',
    ]);
  });

  it('gives pre-tokenized SST text the same tokens as raw text', () => {
    expect(tokenize("they wo n't sit still , and ca n't")).toEqual(tokenize("They won't sit still, and can't"));
    expect(tokenize("the film 's ending")).toEqual(tokenize("The film's ending"));
    expect(tokenize("the film's ending")).toEqual(['the', 'film', "'s", 'ending']);
    expect(tokenize('a movie -lrb- sort of -rrb- .')).toEqual(tokenize('a movie (sort of).'));
  });

  it("decodes AG News's broken entities and HTML tags", () => {
    expect(tokenize('It #39;s over. It hasn #39;t worked')).toEqual(['it', "'s", 'over', '.', 'it', 'has', 'not', 'worked']);
    expect(tokenize('quot;Hi quot; said AT&amp;T for #36;5')).toEqual(['"', 'hi', '"', 'said', 'at', '&', 't', 'for', '$', '5']);
    expect(tokenize('&lt;b&gt;Bold&lt;/b&gt; text')).toEqual(['bold', 'text']);
    expect(tokenize('Great.<br /><br />Really')).toEqual(['great', '.', 'really']);
    expect(tokenize('Deal worth \\$828m')).toEqual(['deal', 'worth', '$', '828m']);
  });

  it('keeps numbers and hyphenated compounds whole, and counts a punctuation run once', () => {
    expect(tokenize('1,000 people paid 3.5 for a re-imagining...!!')).toEqual(['1,000', 'people', 'paid', '3.5', 'for', 'a', 're-imagining', '.', '!']);
  });

  it('folds curly quotes and dashes, and keeps accented letters', () => {
    expect(tokenize('“Café” — it’s naïve')).toEqual(['"', 'café', '"', '-', 'it', "'s", 'naïve']);
  });

  it('is deterministic and handles empty or whitespace-only text', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize(' \n\t ')).toEqual([]);
    const t = 'Same text, same tokens.';
    expect(tokenize(t)).toEqual(tokenize(t));
  });
});
