/**
 * One synthesis run per project across the browser's tabs. Every tab of the app has its own
 * worker; the same run resumed in two of them would send every request twice and overwrite each
 * other's checkpoints, and "Start over" in one would delete what the other is writing. A Web Lock
 * named after the run's project (shared by every tab of this origin, released when its holder's
 * tab closes) lets one tab run it; the others are told why not. Where the Web Locks API is missing
 * (Node, old browsers) there is only one process to think about, and nothing is locked.
 */
export const RUN_IN_ANOTHER_TAB = {
  code: 'run-in-another-tab',
  message: 'This synthesis run is already going in another tab or window of Distillery.',
  hint: 'Follow it there, or close that tab and press Resume here: nothing made so far is lost.',
} as const;

type Locks = LockManager | undefined;
const locks = (): Locks => (globalThis.navigator as Navigator | undefined)?.locks;

export function loopLockName(projectId: string): string {
  return `distillery-loop:${projectId}`;
}

/**
 * Runs `work` holding the project's lock, or returns `busy()` at once when another holder has it.
 */
export async function withLoopLock<T>(projectId: string, work: () => Promise<T>, busy: () => T): Promise<T> {
  const l = locks();
  if (!l) return work();
  return l.request(loopLockName(projectId), { ifAvailable: true }, (lock) => (lock ? work() : busy()));
}

/** Whether a run of this project is going somewhere (any tab, this one included). */
export async function loopRunning(projectId: string): Promise<boolean> {
  const l = locks();
  if (!l) return false;
  const { held = [] } = await l.query();
  return held.some((h) => h.name === loopLockName(projectId));
}
