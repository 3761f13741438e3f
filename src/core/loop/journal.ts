/**
 * What a run's synthesis jobs cost and yielded, summed from the teacher's request journal (the
 * store's record of every finished request), so a resumed or reloaded run counts each request
 * once. The loop's round records and the Synthesize step's counters both read it here; the item
 * counts are teacher/accounting.ts's (requested = accepted + Σ rejected + Σ missing).
 */
import type { RequestRecord, Store } from '../store/store.js';
import { countJournal, type ItemCounts } from '../teacher/accounting.js';
import type { LoopConfig } from './config.js';
import type { TeacherUse } from './state.js';

/**
 * A job's items (asked = accepted + Σ rejected + Σ missing; accepted is what the teacher's answers
 * yielded, before the run settled them against the project) and what it cost.
 */
export interface JobCounts extends Omit<ItemCounts, 'extra'> {
  promptTokens: number;
  completionTokens: number;
  /** Requests journaled; attempts sent (retries included); failed attempts, by kind; requests that failed for good. */
  requests: number;
  attempts: number;
  failedByKind: Record<string, number>;
  unfinishedRequests: number;
}

/** One job's journal, counted. */
export function journalCounts(journal: RequestRecord[]): JobCounts {
  const items = countJournal(journal);
  const c: JobCounts = {
    requested: items.requested, accepted: items.accepted, rejected: { ...items.rejected }, missing: { ...items.missing },
    promptTokens: 0, completionTokens: 0, requests: 0, attempts: 0, failedByKind: {}, unfinishedRequests: 0,
  };
  for (const r of journal) {
    c.requests++;
    const attempts = r.attempts ?? 1;
    c.attempts += attempts;
    // Every failed attempt counts, not only requests that failed for good (older journals
    // without per-kind counts: every attempt but the one that succeeded).
    const failures = r.failures ?? { unknown: attempts - (r.status === 'done' ? 1 : 0) };
    for (const [k, v] of Object.entries(failures)) if (v) c.failedByKind[k] = (c.failedByKind[k] ?? 0) + v;
    if (r.status === 'failed') c.unfinishedRequests++;
    c.promptTokens += r.promptTokens;
    c.completionTokens += r.completionTokens;
  }
  return c;
}

export async function jobCounts(store: Store, projectId: string, jobId: string): Promise<JobCounts> {
  return journalCounts(await store.listRequests(projectId, jobId));
}

const add = (into: Record<string, number>, from: Record<string, number>) => { for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v; };

/** Teacher use and item counts of a set of jobs, priced by the run's config. */
export async function teacherUse(store: Store, projectId: string, jobIds: string[], price: LoopConfig['price']) {
  const use: TeacherUse = { requests: 0, attempts: 0, failedRequests: 0, failedByKind: {}, unfinishedRequests: 0, tokens: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
  const rejected: Record<string, number> = {};
  const missing: Record<string, number> = {};
  let requested = 0;
  let accepted = 0;
  for (const jobId of jobIds) {
    const c = await jobCounts(store, projectId, jobId);
    use.requests += c.requests;
    use.attempts! += c.attempts;
    add(use.failedByKind!, c.failedByKind);
    use.failedRequests += Object.values(c.failedByKind).reduce((a, b) => a + b, 0);
    use.unfinishedRequests! += c.unfinishedRequests;
    use.promptTokens += c.promptTokens;
    use.completionTokens += c.completionTokens;
    requested += c.requested;
    accepted += c.accepted;
    add(rejected, c.rejected);
    add(missing, c.missing);
  }
  use.tokens = use.promptTokens + use.completionTokens;
  use.cost = (use.promptTokens * price.input + use.completionTokens * price.output) / 1e6;
  return { use, rejected, missing, requested, accepted };
}
