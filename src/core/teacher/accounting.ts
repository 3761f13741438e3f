/**
 * The honest count of a synthesis job, from its request journal: every item asked of the teacher
 * is accepted, rejected (by reason) or missing (by reason), so `requested = accepted + Σ rejected
 * + Σ missing` holds for every job, resumed or not. Generation counts examples asked in requests
 * (a rejected example is made up by another request, which asks again); annotation counts texts,
 * each once, by its latest outcome (a text left without a label is asked again by a rerun).
 */
import type { RequestRecord } from '../store/store.js';

export interface ItemCounts {
  requested: number;
  accepted: number;
  rejected: Record<string, number>;
  missing: Record<string, number>;
  /** Items the teacher sent beyond what was asked (not used; not part of `requested`). */
  extra: number;
}

/**
 * Missing: the answer left it out; the answer was cut at the length limit; the request failed for
 * good; never asked (a budget, a cancel); annotation: the teacher answered only with labels
 * outside the list. Missing items are what a rerun asks for again.
 */
export type MissingReason = 'not returned' | 'cut off' | 'request failed' | 'not sent' | 'off-label answer';

/** Annotation outcomes that settle a text for good (a rerun does not ask it again). */
export const REJECT_OUTCOMES = new Set(['low-agreement', 'leak']);

function add(into: Record<string, number>, from: Record<string, number> | undefined): void {
  for (const [k, v] of Object.entries(from ?? {})) if (v) into[k] = (into[k] ?? 0) + v;
}

/** Generation, rationale, extrapolation: the sum over the job's requests (attribute requests ask no examples). */
export function countRequests(journal: RequestRecord[]): ItemCounts {
  const c: ItemCounts = { requested: 0, accepted: 0, rejected: {}, missing: {}, extra: 0 };
  for (const r of journal) {
    const rejected = { ...r.rejected };
    delete rejected['malformed-attribute'];
    const rej = Object.values(rejected).reduce((a, b) => a + b, 0);
    // Records written before `asked` existed: what came back is all that is known.
    c.requested += r.asked ?? r.acceptedIds.length + rej;
    c.accepted += r.acceptedIds.length;
    add(c.rejected, rejected);
    add(c.missing, r.missing);
    c.extra += r.extra ?? 0;
  }
  return c;
}

/**
 * Annotation: per wanted text, its outcome: accepted when its example is stored, else the latest
 * journaled outcome, else 'not sent'. `leaks`: texts of the pool the leakage guard kept from the
 * teacher (rejected as 'leak', counted as requested).
 */
export function countTexts(wantedHashes: string[], acceptedHashes: Set<string>, journal: RequestRecord[], leaks: number): ItemCounts {
  const latest = new Map<string, string>();
  for (const r of [...journal].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt))) {
    for (const [h, o] of Object.entries(r.outcomes ?? {})) latest.set(h, o);
  }
  const c: ItemCounts = { requested: wantedHashes.length + leaks, accepted: 0, rejected: {}, missing: {}, extra: 0 };
  if (leaks) c.rejected.leak = leaks;
  for (const h of wantedHashes) {
    if (acceptedHashes.has(h)) { c.accepted++; continue; }
    const o = latest.get(h);
    if (o && REJECT_OUTCOMES.has(o)) c.rejected[o] = (c.rejected[o] ?? 0) + 1;
    else {
      const why = o && o !== 'accepted' ? o : 'not sent';
      c.missing[why] = (c.missing[why] ?? 0) + 1;
    }
  }
  return c;
}

/**
 * Any job from its journal alone (the loop's round reports): requests with per-text outcomes
 * (annotation) are counted per text by its latest outcome, the rest per request.
 */
export function countJournal(journal: RequestRecord[]): ItemCounts {
  const perText = journal.filter((r) => r.outcomes);
  const c = countRequests(journal.filter((r) => !r.outcomes));
  if (perText.length) {
    const latest = new Map<string, string>();
    for (const r of [...perText].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt))) for (const [h, o] of Object.entries(r.outcomes!)) latest.set(h, o);
    const leaks = perText.reduce((k, r) => k + (r.rejected.leak ?? 0), 0);
    const t = countTexts([...latest.keys()].filter((h) => latest.get(h) !== 'leak'), new Set([...latest].filter(([, o]) => o === 'accepted').map(([h]) => h)), perText, leaks);
    c.requested += t.requested;
    c.accepted += t.accepted;
    add(c.rejected, t.rejected);
    add(c.missing, t.missing);
  }
  return c;
}

const n = (x: number) => x.toLocaleString('en-US');
const list = (m: Record<string, number>) => Object.entries(m).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${n(v)}`).join(', ');

/** A label's share of a job's target and what it got. */
export interface LabelShortfall { label: string; accepted: number; wanted: number }

/**
 * One sentence on why a job ended short of its target, for the summary and the CLI. `byLabel`
 * (generation): each label's quota and what it got, so "exhausted" names the classes that ran
 * short (a teacher-sim reused across runs runs out of one class's pool texts first).
 */
export function whyShort(stopReason: string, c: ItemCounts, journal: RequestRecord[], target: number, lastError?: string, byLabel: LabelShortfall[] = []): string | undefined {
  if (stopReason === 'done') return undefined;
  const short = Math.max(0, target - c.accepted);
  const head = `${n(c.accepted)} of ${n(target)} accepted`;
  const missing = list(c.missing);
  const rejected = list(c.rejected);
  if (stopReason === 'exhausted') {
    const done = journal.filter((r) => r.status === 'done' && (r.asked ?? 1) > 0 && !r.key.includes(':attributes'));
    const empty = done.filter((r) => r.acceptedIds.length === 0 && Object.values(r.rejected).every((v) => !v)).length;
    const short = byLabel.filter((l) => l.accepted < l.wanted).map((l) => `class ${l.label}: ${n(l.accepted)} of ${n(l.wanted)}`);
    return `${head}: the teacher stopped giving new examples${short.length ? ` (${short.join('; ')})` : ''}. ${n(empty)} of ${n(done.length)} requests returned none`
      + `${rejected ? `; of what came back, rejected: ${rejected}` : ''}${missing ? `; asked but not returned: ${missing}` : ''}.`;
  }
  if (stopReason === 'incomplete') {
    const failed = journal.filter((r) => r.status === 'failed').length;
    return `${head}; ${n(short)} short${missing ? ` (missing: ${missing})` : ''}${failed ? `, ${n(failed)} request(s) failed for good` : ''}${lastError ? ` (last error: ${lastError})` : ''}. Run the same job again to ask for the missing ones.`;
  }
  if (stopReason === 'teacher-failing') return `${head}: too many requests in a row failed${lastError ? ` (${lastError})` : ''}. Check the teacher, then run the same job again to resume.`;
  if (stopReason.startsWith('budget:')) return `${head}: the ${stopReason.slice(7)} budget is spent. Raise it and run the same job again to continue.`;
  return `${head} (${stopReason}).`;
}
