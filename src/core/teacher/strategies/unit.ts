/**
 * The shape every strategy shares: it plans "units" (one deterministic key, one or more teacher
 * requests) and reads their parsed answers into candidate examples. The runner in
 * `../synthesize.ts` does the sending, retrying, filtering, storing and journaling.
 */
import type { Source } from '../../dataset/example.js';
import type { Store } from '../../store/store.js';
import type { ChatRequest } from '../client.js';
import type { LabeledText, SynthesisJob } from '../job.js';
import type { PromptTemplate, TemplateName } from '../prompts.js';

export interface Candidate { text: string; label: string; confidence?: number }

export interface UnitOutput {
  items: Candidate[];
  rejected: Record<string, number>;
  /** Rationale-first, step one: the attributes the teacher listed for `label`. */
  attributes?: string[];
  /**
   * Annotation: per text of the batch, in order, 'accepted' (it is in `items`), a reject reason
   * ('off-label', 'low-agreement') or 'not returned' (no usable answer for it).
   */
  outcomes?: string[];
  /** Items the answer held beyond what was asked, or malformed items (generation). */
  returned?: number;
}

export interface Unit {
  /** Deterministic within the job: the journal key that lets a resumed job skip it. */
  key: string;
  templateId: string;
  source: Source;
  /** The label whose quota this unit fills (generation), for balancing. */
  label?: string;
  /** Items asked for. */
  expected: number;
  /** Usually one; several for self-consistency (independent samples of the same prompt). */
  requests: ChatRequest[];
  /** The array the answer must have: a missing one makes the attempt `malformed` and retried. */
  field: 'examples' | 'labels' | 'attributes';
  /** Duplicate checks apply to texts the teacher wrote, not to the user's texts it labels. */
  dedup: boolean;
  /** Reads the answers' arrays (one per request) into candidates. Must not trust their items. */
  read(arrays: unknown[][]): UnitOutput;
}

export interface PlanState {
  /** Keys a finished run already did. */
  done: Set<string>;
  /** Keys that failed for good in this run (retried by the next run, not this one). */
  failed: Set<string>;
  /** Keys running now. */
  inFlight: Set<string>;
  acceptedByLabel: Map<string, number>;
  /** Items asked for by running units, by label. */
  pendingByLabel: Map<string, number>;
}

export interface PlanContext {
  job: SynthesisJob;
  store: Store;
  templates: Record<TemplateName, PromptTemplate>;
  model: string;
}

export interface Planner {
  /** Total items the job wants (for progress). */
  readonly total: number;
  /** Loads what an earlier run left (rationale attributes). */
  init?(ctx: PlanContext): Promise<void>;
  /** The next unit to run, or undefined when nothing can start now. */
  next(state: PlanState): Unit | undefined;
  /** Called when an attributes unit was parsed, before it is journaled. */
  saveAttributes?(label: string, attributes: string[], ctx: PlanContext): Promise<void>;
}

/** Few-shot seeds for prompt number `index`: balanced over labels, rotated so prompts differ. */
export function pickShots(seeds: LabeledText[], labels: string[], shots: number, index: number): LabeledText[] {
  const byLabel = labels.map((l) => seeds.filter((s) => s.label === l));
  const out: LabeledText[] = [];
  for (let round = 0; out.length < shots && round < shots; round++) {
    for (const group of byLabel) {
      if (out.length >= shots || group.length === 0) continue;
      if (round >= group.length) continue;
      out.push(group[(index * Math.max(1, Math.ceil(shots / labels.length)) + round) % group.length]);
    }
  }
  // Alternate labels in the prompt rather than listing one label's examples first.
  return out;
}

/** Evenly split `n` over labels, the remainder to the first ones. */
export function quotas(n: number, labels: string[]): Map<string, number> {
  const base = Math.floor(n / labels.length);
  return new Map(labels.map((l, i) => [l, base + (i < n % labels.length ? 1 : 0)]));
}

export function labelList(labels: string[]): string {
  return labels.map((l) => JSON.stringify(l)).join(', ');
}

export function taskLine(job: SynthesisJob): string {
  return job.task?.trim() || `classify texts into the labels ${labelList(job.labels)}.`;
}

/**
 * "about N words" from the seeds' median length: the texts to write should look like the user's,
 * and a small model given no length writes either a fragment or a page.
 */
export function lengthHint(seeds: LabeledText[]): string {
  const words = seeds.map((s) => s.text.split(/\s+/).filter(Boolean).length).sort((a, b) => a - b);
  if (words.length === 0) return 'a sentence or two';
  const median = words[Math.floor(words.length / 2)];
  if (median <= 3) return 'a few words';
  return `about ${median} words`;
}
