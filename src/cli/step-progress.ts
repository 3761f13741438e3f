/**
 * A fine-tuning run's steps on stderr (`train` and `run` with `--student finetune`): one line per
 * step on a terminal (rewritten in place), and on a pipe or a log file the first step of each
 * stage (the SetFit pairs, then the classifier), every epoch's last and one line every few seconds
 * between, so a run of hours does not write a thousand lines a minute. Each line: epoch, step, loss, steps/s, examples/s and the ETA.
 */
import type { StepReport } from '../core/student/train.js';

/** Seconds as `1h02m`, `3m05s` or `12s`. */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

export function stepLine(r: StepReport): string {
  const where = r.stage === 'contrastive' ? `contrastive stage step ${r.step}/${r.stepsInEpoch}` : `epoch ${r.epoch} step ${r.step}/${r.stepsInEpoch} (${r.steps}/${r.maxSteps} in all)`;
  return `${where}: loss ${r.loss.toFixed(4)}, ${r.stepsPerSecond.toFixed(2)} steps/s, ${r.examplesPerSecond.toFixed(1)} examples/s, ETA ${formatEta(r.etaSeconds)}`;
}

export function stepPrinter(opts: { stream?: NodeJS.WriteStream; prefix?: string; everyMs?: number } = {}): (r: StepReport) => void {
  const stream = opts.stream ?? process.stderr;
  const prefix = opts.prefix ?? '';
  const every = opts.everyMs ?? 10_000;
  let last = -Infinity;
  let stage: StepReport['stage'] | null = null;
  return (r) => {
    const line = prefix + stepLine(r);
    if (stream.isTTY) {
      stream.write(`\r\x1b[2K${line}${r.step === r.stepsInEpoch ? '\n' : ''}`);
      return;
    }
    const now = performance.now();
    if (r.step === r.stepsInEpoch || now - last >= every || r.stage !== stage) {
      last = now;
      stage = r.stage;
      stream.write(line + '\n');
    }
  };
}
