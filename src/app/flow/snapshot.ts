/** The saved form of the flow state, and reading it back safely. Pure, so it is tested in Node. */
import { STEPS, type StepId } from '../steps';

export const FLOW_KEY = 'distillery.flow';

export interface FlowSnapshot {
  projectId: string | null;
  step: StepId;
}

const DEFAULTS: FlowSnapshot = { projectId: null, step: 'data' };

function isStep(x: unknown): x is StepId {
  return STEPS.some((s) => s.id === x);
}

/** Reads a saved snapshot; anything malformed (an old version, a hand edit) falls back to the start. */
export function parseSnapshot(raw: string | null): FlowSnapshot {
  if (!raw) return { ...DEFAULTS };
  try {
    const v = JSON.parse(raw) as Partial<FlowSnapshot>;
    return {
      projectId: typeof v.projectId === 'string' ? v.projectId : null,
      step: isStep(v.step) ? v.step : DEFAULTS.step,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

