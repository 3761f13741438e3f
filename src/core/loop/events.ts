/** What a run tells its front (CLI log, worker → UI) as it goes. */
import type { LoopState, RoundRecord } from './state.js';

export type LoopEvent =
  /** A step finished and was checkpointed (e.g. 'prepare', 'r0.synth.generate', 'r1.trained'). */
  | { type: 'step'; step: string; round?: number }
  /** A round was evaluated: its full record (added, teacher use, metrics, errors). */
  | { type: 'round'; record: RoundRecord }
  | { type: 'done'; state: LoopState };
