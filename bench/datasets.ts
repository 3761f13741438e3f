/**
 * The benchmark datasets in ../shared/datasets as {train, test} lists of {text, label}, with labels
 * as names. Research data stays outside the repository; callers get a clear error when it is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { mulberry32, shuffled } from '../src/core/student/random.js';

export interface LabeledText {
  text: string;
  label: string;
}

export interface BenchDataset {
  name: string;
  train: LabeledText[];
  /** A held-out split for choosing epochs/hyperparameters, where the dataset has one. */
  val?: LabeledText[];
  test: LabeledText[];
}

/** ../shared/datasets beside the repository (as CI lays it out), or $DISTILLERY_DATASETS (a git worktree elsewhere). */
export const SHARED_DATASETS = process.env.DISTILLERY_DATASETS
  ? resolve(process.env.DISTILLERY_DATASETS)
  : resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/datasets');

export function sharedDatasetsPresent(): boolean {
  return existsSync(SHARED_DATASETS);
}

function file(...parts: string[]): string {
  const p = join(SHARED_DATASETS, ...parts);
  if (!existsSync(p)) throw new Error(`Benchmark data not found: ${p}. The benchmarks read ../shared/datasets next to the repository.`);
  return p;
}

function text(p: string): string {
  const bytes = readFileSync(p);
  return (p.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** `LABEL SENTENCE` per line (the Kim 2014 SST-2 files). */
function readStsa(p: string): LabeledText[] {
  return text(p)
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const space = l.indexOf(' ');
      return { label: l.slice(0, space) === '1' ? 'positive' : 'negative', text: l.slice(space + 1).trim() };
    });
}

function readJsonl(p: string): LabeledText[] {
  return text(p)
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const row = JSON.parse(l) as { text: string; label: number };
      return { text: row.text, label: row.label === 1 ? 'positive' : 'negative' };
    });
}

export function sst2(): BenchDataset {
  return {
    name: 'sst2_sentence',
    train: readStsa(file('sst2_sentence', 'stsa.binary.train')),
    val: readStsa(file('sst2_sentence', 'stsa.binary.dev')),
    test: readStsa(file('sst2_sentence', 'stsa.binary.test')),
  };
}

export function agNews(): BenchDataset {
  // test.csv numbers classes 1..4 by the lines of classes.txt, whose 4th name ("Tech") is spelled
  // "Sci/Tech" in the train sample; map through the train sample's spelling so labels agree.
  const classes = text(file('ag_news', 'classes.txt')).split('\n').map((s) => s.trim()).filter(Boolean);
  const trainNames = ['World', 'Sports', 'Business', 'Sci/Tech'];
  const nameOf = (id: number) => (classes[id - 1] === 'Tech' ? 'Sci/Tech' : classes[id - 1]) ?? trainNames[id - 1];
  const train = text(file('ag_news', 'train_sample_10k.tsv'))
    .split('\n')
    .filter((l) => l.includes('\t'))
    .map((l) => {
      const tab = l.lastIndexOf('\t');
      return { text: l.slice(0, tab), label: l.slice(tab + 1).trim() };
    });
  const rows = Papa.parse<string[]>(text(file('ag_news', 'test.csv')), { skipEmptyLines: true }).data;
  const test = rows.map(([cls, title, desc]) => ({ label: nameOf(Number(cls)), text: `${title}. ${desc}`.replace(/\\/g, ' ') }));
  return { name: 'ag_news', train, test };
}

export function imdbSubsets(): BenchDataset {
  return {
    name: 'imdb',
    train: readJsonl(file('imdb', 'train_subset_2000.jsonl')),
    test: readJsonl(file('imdb', 'test_subset_1000.jsonl')),
  };
}

export const DATASETS: Record<string, () => BenchDataset> = { sst2_sentence: sst2, ag_news: agNews, imdb: imdbSubsets };

/** Per class: the first `take[0]` of a seeded shuffle go to part 0, the next `take[1]` (or all the rest) to part 1. */
export function splitPerClass(xs: LabeledText[], seed: number, take: (n: number) => [number, number]): [LabeledText[], LabeledText[]] {
  const byClass = new Map<string, LabeledText[]>();
  for (const x of xs) byClass.set(x.label, [...(byClass.get(x.label) ?? []), x]);
  const a: LabeledText[] = [];
  const b: LabeledText[] = [];
  let k = 0;
  for (const [, group] of [...byClass.entries()].sort()) {
    const order = shuffled(group.length, mulberry32(seed * 7919 + k++));
    const [n0, n1] = take(group.length);
    order.forEach((i, j) => { if (j < n0) a.push(group[i]); else if (j < n0 + n1) b.push(group[i]); });
  }
  return [a, b];
}

