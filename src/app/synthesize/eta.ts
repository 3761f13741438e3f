/**
 * Time left for a long job, from how fast `done` grew recently. A window of recent samples (not
 * the whole run) so the estimate follows a teacher that speeds up or slows down (429 backoff),
 * and a pause does not count as slowness: `reset()` drops the samples on pause and resume.
 */
export class Eta {
  private samples: { t: number; done: number }[] = [];

  constructor(private readonly windowMs = 30_000) {}

  /** Adds a reading; `t` in ms (performance.now() or Date.now()). */
  push(done: number, t: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && done < last.done) this.samples = []; // a new phase restarted the count
    this.samples.push({ t, done });
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift();
  }

  reset(): void {
    this.samples = [];
  }

  /** Milliseconds left to reach `total`, or null while there is too little to go on. */
  remaining(total: number): number | null {
    if (this.samples.length < 2) return null;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    const rate = (b.done - a.done) / (b.t - a.t);
    if (!(rate > 0)) return null;
    return Math.max(0, (total - b.done) / rate);
  }
}

/** "about 3 min", "about 40 s", "about 1 h 5 min" — coarse on purpose: the rate is noisy. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `about ${Math.max(1, Math.round(s / 5) * 5)} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `about ${min} min`;
  return `about ${Math.floor(min / 60)} h ${min % 60} min`;
}
