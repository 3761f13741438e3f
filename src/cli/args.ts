import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../core/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` parseArgs with the CLI's conventions: unknown flags and missing values become a
 * UserError that repeats the command's usage, instead of a stack trace.
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, usage: string, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (e) {
    throw new UserError('bad-arguments', (e as Error).message + '.', `\n${usage}`);
  }
}

export function requireOption(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value === '') throw new UserError('bad-arguments', `${flag} is required.`, `\n${usage}`);
  return value;
}

export function intOption(value: string | undefined, flag: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError('bad-arguments', `${flag} must be a whole number of at least ${min}, not '${value}'.`);
  return n;
}

export function numberOption(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UserError('bad-arguments', `${flag} must be a number, not '${value}'.`);
  return n;
}

/** The last stdout line of every command is one JSON object, for scripts and CI. */
export function printSummary(summary: unknown): void {
  process.stdout.write(JSON.stringify(summary) + '\n');
}

/**
 * `--train-layers K` of `train` and `run`: only the transformer's top K layers fine-tune, the
 * outputs of those below are computed once and cached (finetune/trainer.ts). The hyper field to
 * add: none when not given, so the student's own rule (every layer; the head alone after SetFit's
 * stage) applies.
 */
export function trainLayersOption(value: string | undefined, finetune: boolean): { trainLayers?: number } {
  if (value === undefined) return {};
  if (!finetune) throw new UserError('bad-arguments', '--train-layers is for the fine-tuned transformer.', 'Add --student finetune, or leave out --train-layers.');
  return { trainLayers: intOption(value, '--train-layers', 0, 0) };
}

/** The usage lines of `--train-layers`, one text for both commands. */
export const TRAIN_LAYERS_USAGE = (pad: number) => [
  'fine-tune only the top K of the transformer\'s layers; the outputs of the',
  'layers below are computed once and cached. Quicker, maybe less accurate:',
  'MiniLM\'s top 3 of 6 matched all 6 on 2,000 SST-2 or AG News texts in 57-77%',
  'of the time, and on all 6,920 SST-2 sentences scored 86.4% against 88.1% in',
  '43% of it (default: every layer)',
].join('\n' + ' '.repeat(pad));
