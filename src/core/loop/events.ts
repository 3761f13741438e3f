/** What a run tells its front (CLI log, worker → UI) as it goes. */
import type { Overlap } from '../dataset/overlap.js';
import type { LoopState, RoundRecord } from './state.js';

export type LoopEvent =
  /** The run's sets, once it has started or resumed: seeds left out as validation or test texts, and the validation halves (null: a run from before them). */
  | { type: 'setup'; overlap: Overlap; validation: LoopState['validation'] | null }
  /** A step finished and was checkpointed (e.g. 'prepare', 'r0.synth.generate', 'r1.trained'). */
  | { type: 'step'; step: string; round?: number }
  /** A round was evaluated: its full record (added, teacher use, metrics, errors). */
  | { type: 'round'; record: RoundRecord }
  | { type: 'done'; state: LoopState };
