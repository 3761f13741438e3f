/**
 * App-level state of the guided flow: which project is open and which step is shown. Kept in
 * localStorage (small, no secrets, readable synchronously) so a reload paints the same step at
 * once, before IndexedDB has answered; the project's data itself lives in the store.
 */
import { STEPS, type StepId } from '../steps';
import { FLOW_KEY, parseSnapshot, type FlowSnapshot } from './snapshot';

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled (privacy settings): the flow still works, it just forgets
  }
}

class Flow {
  projectId = $state<string | null>(null);
  step = $state<StepId>('data');

  constructor() {
    const s = parseSnapshot(storage()?.getItem(FLOW_KEY) ?? null);
    this.projectId = s.projectId;
    this.step = s.step;
  }

  go(step: StepId): void {
    this.step = step;
    this.save();
  }

  /** The step after the current one, or null on the last. */
  get next(): StepId | null {
    const i = STEPS.findIndex((s) => s.id === this.step);
    return STEPS[i + 1]?.id ?? null;
  }

  get previous(): StepId | null {
    const i = STEPS.findIndex((s) => s.id === this.step);
    return i > 0 ? STEPS[i - 1].id : null;
  }

  openProject(id: string | null): void {
    this.projectId = id;
    this.save();
  }

  private save(): void {
    try {
      storage()?.setItem(FLOW_KEY, JSON.stringify({ projectId: this.projectId, step: this.step } satisfies FlowSnapshot));
    } catch {
      // Quota full: the step is still shown; only the return-after-reload is lost.
    }
  }
}

/** The one flow of the page. */
export const flow = new Flow();

/** For a step's component (call it while it initialises): runs `load` for the open project, and again whenever another one is opened. */
export function loadOnProject(load: (projectId: string) => unknown): void {
  $effect(() => {
    if (flow.projectId) void load(flow.projectId);
  });
}
