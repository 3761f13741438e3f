/** Writes a loop run's state to the store after every finished step, durably, before going on. */
import { sameTextKey } from '../dataset/hash.js';
import type { LoopRunRecord, RunStatus, Store } from '../store/store.js';
import type { LoopState } from './state.js';

/** The loop run `id` in the store, if there is one (a run of another kind is not it). */
export async function getLoopRun(store: Store, id: string): Promise<LoopRunRecord | undefined> {
  const run = await store.getRun(id);
  return run?.kind === 'loop' ? run : undefined;
}

/**
 * The store key of one training of run `runId` (its epoch checkpoint, student/checkpoint.ts):
 * `seeds-only` (the baseline), `r<n>` (round n's student), `generation-only`.
 */
export function loopTrainingKey(runId: string, training: string): string {
  return `${runId}:train:${training}`;
}

/** Every training key run `runId` with `rounds` extrapolation rounds may use. */
export function loopTrainingKeys(runId: string, rounds: number): string[] {
  return ['seeds-only', 'generation-only', ...Array.from({ length: rounds + 1 }, (_, r) => `r${r}`)].map((t) => loopTrainingKey(runId, t));
}

export class Checkpoint {
  constructor(private store: Store, private record: LoopRunRecord) {}

  get state(): LoopState {
    return this.record.state;
  }

  done(step: string): boolean {
    return this.state.steps.includes(step);
  }

  /** Marks a step finished and makes it durable before returning. */
  async complete(step: string, mutate?: (s: LoopState) => void, status: RunStatus = 'running'): Promise<void> {
    mutate?.(this.state);
    if (!this.state.steps.includes(step)) this.state.steps.push(step);
    await this.save(status);
  }

  /** Writes the state now (after `mutate`, when given), with a new status or the same. */
  async save(status: RunStatus = this.record.status, mutate?: (s: LoopState) => void): Promise<void> {
    mutate?.(this.state);
    this.record.status = status;
    this.record.updatedAt = new Date().toISOString();
    await this.store.putRun(this.record);
  }
}

/**
 * Text keys (dataset/hash.ts sameTextKey) of the validation texts whose errors the project's
 * synthesis runs sent to the teacher: the project holds examples written like them, so they can no
 * longer tell whether a student trained on the project learned anything (split.ts projectSplits).
 */
export async function extrapolationDrivers(store: Store, projectId: string): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const run of await store.listRuns(projectId)) {
    if (run.kind !== 'loop') continue;
    for (const r of run.state.rounds) for (const e of r.drivenBy ?? []) keys.add(sameTextKey(e.text));
  }
  return keys;
}
