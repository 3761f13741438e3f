/** A fine-tuning step's speed line, shared by the Train and Synthesize steps. */
import type { StepDetail } from '../../core/progress';
import { aboutTime } from './train-run.svelte';

/** "1.2 steps/s · 38.4 examples/s · about 3 min left · loss 0.412". */
export function stepSpeedText(step: StepDetail): string {
  return `${step.stepsPerSecond >= 1 ? step.stepsPerSecond.toFixed(1) : step.stepsPerSecond.toFixed(2)} steps/s · `
    + `${step.examplesPerSecond.toFixed(1)} examples/s · ${aboutTime(step.etaSeconds)} left · loss ${step.loss.toFixed(3)}`;
}
