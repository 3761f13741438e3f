/**
 * The Synthesize step's totals over a run's synthesis jobs: accepted, prompt and completion tokens
 * (priced apart), rejections by reason
 * and failed teacher attempts by kind.
 *
 * Progress comes per job (the worker tags each event with its job id) and each event carries the
 * job's counts so far, so the totals are a sum over jobs of each job's latest event. Summing per
 * job, rather than banking a job's counts when the next one starts, matters because progress and
 * step events reach the page over separate channels with no order between them: a job's last
 * progress can arrive after the next job's first, and banking then counted it twice.
 */
export interface JobCounts {
  accepted: number;
  promptTokens: number;
  completionTokens: number;
  rejected: Record<string, number>;
  failed: Record<string, number>;
}

export const noCounts = (): JobCounts => ({ accepted: 0, promptTokens: 0, completionTokens: 0, rejected: {}, failed: {} });

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export class RunCounters {
  /** Per job, what the store held when this view began following the run (earlier sessions). */
  private stored = new Map<string, JobCounts>();
  /** Per job, its latest progress in this session. */
  private live = new Map<string, JobCounts>();
  /** Failed attempts of earlier sessions (the journal keeps only requests that failed for good). */
  private earlierFailed: Record<string, number> = {};

  /** Starts following a run: `stored` from the store, `earlierFailed` as kept with the project. */
  reset(stored = new Map<string, JobCounts>(), earlierFailed: Record<string, number> = {}): void {
    this.stored = stored;
    this.live = new Map();
    this.earlierFailed = { ...earlierFailed };
  }

  /**
   * A progress event of job `jobId`. `accepted` is the job's total so far (requests finished in an
   * earlier session included); tokens, rejections and failures count this session's work only.
   */
  update(jobId: string, c: JobCounts): void {
    this.live.set(jobId, c);
  }

  totals(): JobCounts {
    const out = noCounts();
    for (const job of new Set([...this.stored.keys(), ...this.live.keys()])) {
      out.accepted += (this.live.get(job) ?? this.stored.get(job))!.accepted;
    }
    add(out.failed, this.earlierFailed);
    for (const c of [...this.stored.values(), ...this.live.values()]) {
      out.promptTokens += c.promptTokens;
      out.completionTokens += c.completionTokens;
      add(out.rejected, c.rejected);
      add(out.failed, c.failed);
    }
    return out;
  }

  /** Failed attempts by kind of every session so far: what the project keeps for the next. */
  failedSoFar(): Record<string, number> {
    return this.totals().failed;
  }
}
