import { describe, expect, it } from 'vitest';
import { formatEta, stepLine, stepPrinter } from '../../src/cli/step-progress.js';

const base = { epoch: 2, step: 3, stepsInEpoch: 10, steps: 13, maxSteps: 40, loss: 0.41234, stepsPerSecond: 0.5, examplesPerSecond: 16, etaSeconds: 3725 };

describe('the CLI\'s fine-tuning step line', () => {
  it('says where a training run is, its speed and the time left', () => {
    expect(stepLine(base)).toBe('epoch 2 step 3/10 (13/40 in all): loss 0.4123, 0.50 steps/s, 16.0 examples/s, ETA 1h02m');
  });

  it('names the SetFit stage, whose steps and loss are not the classifier\'s', () => {
    expect(stepLine({ ...base, stage: 'contrastive', epoch: 0, step: 3, stepsInEpoch: 8, steps: 3, maxSteps: 8, etaSeconds: 65 }))
      .toBe('contrastive stage step 3/8: loss 0.4123, 0.50 steps/s, 16.0 examples/s, ETA 1m05s');
  });

  it('in a log file: each stage\'s first step, each epoch\'s last, nothing between within seconds', () => {
    const lines: string[] = [];
    const print = stepPrinter({ stream: { isTTY: false, write: (l: string) => lines.push(l) } as unknown as NodeJS.WriteStream, everyMs: 60_000 });
    for (let step = 1; step <= 8; step++) print({ ...base, stage: 'contrastive', epoch: 0, step, stepsInEpoch: 8, steps: step, maxSteps: 8 });
    for (let step = 1; step <= 10; step++) print({ ...base, epoch: 1, step, steps: step });
    expect(lines.map((l) => l.split(':')[0])).toEqual(['contrastive stage step 1/8', 'contrastive stage step 8/8', 'epoch 1 step 1/10 (1/40 in all)', 'epoch 1 step 10/10 (10/40 in all)']);
  });

  it('writes a time left it cannot know as ?', () => {
    expect(formatEta(Infinity)).toBe('?');
    expect(formatEta(12.4)).toBe('12s');
  });
});
