/**
 * The Synthesize step's counts of a run, from what the store holds and what the run reports live:
 * items asked of the teacher (requested = accepted + Σ rejected + Σ missing), tokens (priced apart)
 * and failed teacher attempts by kind.
 *
 * Items come per job until the job's round is settled into the project (loop/adopt.ts), then from
 * the round's record, which counts what the settling dropped (a text the project already had) as
 * rejected: so once a round is settled "accepted" is the rows it added, and when the run is done
 * the counters, the "added" line and the project agree. A job's items are its whole count (earlier
 * sessions included), from its journal: the store's at load, then each progress event's, which
 * the teacher counts from the same journal as it grows.
 *
 * Tokens and failed attempts are counted per session (the journal keeps no attempt that a cancel
 * cut off): the store's at load plus each job's latest event of this session. Summing each job's
 * latest event, rather than banking a job's counts when the next one starts, matters because
 * progress and step events reach the page over separate channels with no order between them.
 */
import type { LoopState } from '../../core/loop/state';
import type { JobItems } from '../../core/progress';

export type { JobItems };

/** One job as the page follows it: its whole items, and tokens and failed attempts of one session. */
export interface JobCounts extends JobItems {
  promptTokens: number;
  completionTokens: number;
  failed: Record<string, number>;
}

/** The run's totals; `added` and `labeled`: what its settled rounds put into the project. */
export interface RunTotals extends JobCounts {
  added: number;
  labeled: number;
}

export const noItems = (): JobItems => ({ requested: 0, accepted: 0, rejected: {}, missing: {} });
export const noCounts = (): JobCounts => ({ ...noItems(), promptTokens: 0, completionTokens: 0, failed: {} });

function add(into: Record<string, number>, from: Record<string, number> | undefined): void {
  for (const [k, v] of Object.entries(from ?? {})) if (v) into[k] = (into[k] ?? 0) + v;
}
const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

interface SettledRound { items: JobItems; added: number; labeled: number }

export class RunCounters {
  /** Per job, what the store held when this view began following the run (earlier sessions). */
  private stored = new Map<string, JobCounts>();
  /** Per job, its latest progress in this session. */
  private live = new Map<string, JobCounts>();
  /** Failed attempts of earlier sessions (kept with the project). */
  private earlierFailed: Record<string, number> = {};
  /** Rounds whose synthesis is settled into the project, by round. */
  private settled = new Map<number, SettledRound>();
  /** Each job's round, as the run's state lists it. */
  private jobRound = new Map<string, number>();

  /** Starts following a run: `stored` from the store, `earlierFailed` as kept with the project. */
  reset(stored = new Map<string, JobCounts>(), earlierFailed: Record<string, number> = {}, state?: LoopState): void {
    this.stored = stored;
    this.live = new Map();
    this.earlierFailed = { ...earlierFailed };
    this.setState(state);
  }

  /** The run's state as the store holds it now: which rounds are settled, and each job's round. */
  setState(state: LoopState | undefined): void {
    this.settled = new Map();
    this.jobRound = new Map((state?.jobs ?? []).map((j) => [j.id, j.round]));
    for (const r of state?.rounds ?? []) {
      if (!state!.steps.includes(`r${r.round}.synth`)) continue;
      const missing = r.missing ?? {};
      // Checkpoints from before `requested` was kept: what came back is all that is known.
      const requested = r.requested ?? r.addedTotal + sum(r.rejected) + sum(missing);
      this.settled.set(r.round, { items: { requested, accepted: r.addedTotal, rejected: { ...r.rejected }, missing: { ...missing } }, added: r.addedTotal, labeled: r.labeled ?? 0 });
    }
  }

  /** A progress event of job `jobId`: its whole items; tokens and failed attempts of this session. */
  update(jobId: string, c: JobCounts): void {
    this.live.set(jobId, c);
  }

  totals(): RunTotals {
    const out: RunTotals = { ...noCounts(), added: 0, labeled: 0 };
    const items = (c: JobItems) => {
      out.requested += c.requested;
      out.accepted += c.accepted;
      add(out.rejected, c.rejected);
      add(out.missing, c.missing);
    };
    for (const r of this.settled.values()) {
      items(r.items);
      out.added += r.added;
      out.labeled += r.labeled;
    }
    for (const job of new Set([...this.stored.keys(), ...this.live.keys()])) {
      const round = this.jobRound.get(job);
      if (round !== undefined && this.settled.has(round)) continue;
      items((this.live.get(job) ?? this.stored.get(job))!);
    }
    add(out.failed, this.earlierFailed);
    for (const c of [...this.stored.values(), ...this.live.values()]) {
      out.promptTokens += c.promptTokens;
      out.completionTokens += c.completionTokens;
      add(out.failed, c.failed);
    }
    return out;
  }

  /** Failed attempts by kind of every session so far: what the project keeps for the next. */
  failedSoFar(): Record<string, number> {
    return this.totals().failed;
  }
}
