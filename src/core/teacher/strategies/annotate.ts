/**
 * Annotation (Y|X), Kaddour & Liu 2023: the teacher labels the user's unlabeled texts in batches,
 * few-shot with the seeds. Self-consistency: `samples` independent answers per batch, majority
 * vote, the agreement kept as the example's confidence; items below `minAgreement` are dropped.
 */
import { textHash } from '../../dataset/hash.js';
import { annotationsSchema } from '../schema.js';
import { exampleBlock, renderTemplate, textBlock, type PromptTemplate } from '../prompts.js';
import type { SynthesisJob } from '../job.js';
import { labelList, pickShots, taskLine, type Candidate, type Planner, type PlanState, type Unit } from './unit.js';

export class AnnotatePlanner implements Planner {
  readonly total: number;
  private readonly batches: string[][];
  private readonly keys: string[];
  /** Batches before this one are all started or done: next() need not scan them again. */
  private cursor = 0;

  /**
   * `texts`: the texts to label in this run (the leakage guard already ran, and texts an earlier
   * run settled are left out); `total`: the texts the whole job labels, for progress.
   * `generation` tells this run's batches from an earlier run's: a text left without a label is
   * asked again in a new batch, under a new key.
   */
  constructor(private readonly job: SynthesisJob, private readonly template: PromptTemplate, texts: string[], total = texts.length, generation = 0) {
    const size = Math.max(1, job.options?.annotateBatch ?? 10);
    this.total = total;
    this.batches = [];
    for (let i = 0; i < texts.length; i += size) this.batches.push(texts.slice(i, i + size));
    // The batch's texts are part of its key: a changed file never resumes into the wrong batch.
    this.keys = this.batches.map((b, i) => `annotate:r${job.round}:g${generation}:${i}:${textHash(b.join('\u0000'))}`);
  }

  next(state: PlanState): Unit | undefined {
    // Each batch is handed out at most once per run, so a cursor is enough.
    for (; this.cursor < this.batches.length; this.cursor++) {
      const key = this.keys[this.cursor];
      if (state.done.has(key) || state.inFlight.has(key) || state.failed.has(key)) continue;
      return this.unit(this.cursor++, key);
    }
    return undefined;
  }

  /** The texts of the batch with this key (for the journal's per-text outcomes). */
  textsOf(key: string): string[] {
    const i = this.keys.indexOf(key);
    return i < 0 ? [] : this.batches[i];
  }

  private unit(index: number, key: string): Unit {
    const job = this.job;
    const batch = this.batches[index];
    const samples = Math.max(1, job.options?.samples ?? 1);
    const minAgreement = job.options?.minAgreement ?? 0.5;
    const vars = {
      task: taskLine(job), labels: labelList(job.labels),
      examples: exampleBlock(pickShots(job.seeds, job.labels, job.options?.shots ?? 8, index)),
      texts: textBlock(batch.map((text, i) => ({ id: i + 1, text }))),
    };
    const request = {
      messages: [{ role: 'system' as const, content: renderTemplate(this.template.system, vars) }, { role: 'user' as const, content: renderTemplate(this.template.user, vars) }],
      schema: annotationsSchema(job.labels, batch.length),
      // One sample wants the most likely label; several need variety for the vote to mean anything.
      temperature: samples > 1 ? (job.options?.temperature ?? 0.7) : 0,
    };
    return {
      key, templateId: this.template.id, source: 'annotated', expected: batch.length, field: 'labels', dedup: false,
      requests: Array.from({ length: samples }, () => request),
      read: (arrays) => {
        // Accounting is per text: accepted; rejected when its votes disagree (a decision, final);
        // or still missing a label, which a rerun asks again: 'off-label answer' (only labels
        // outside the list) or 'not returned' (left out of the answer, or a malformed item).
        const rejected: Record<string, number> = {};
        const bump = (r: string, n = 1) => { rejected[r] = (rejected[r] ?? 0) + n; };
        const votes: Map<string, number>[] = batch.map(() => new Map());
        const offLabel = batch.map(() => 0);
        let returned = 0;
        for (const items of arrays) {
          const seen = new Set<number>();
          returned = Math.max(returned, items.length);
          for (const it of items) {
            const o = it as Record<string, unknown> | null;
            const id = Number(o?.id);
            const label = o && (typeof o.label === 'string' || typeof o.label === 'number') ? String(o.label) : undefined;
            if (!Number.isInteger(id) || id < 1 || id > batch.length || seen.has(id) || label === undefined) continue;
            seen.add(id);
            if (!job.labels.includes(label)) { offLabel[id - 1]++; continue; }
            votes[id - 1].set(label, (votes[id - 1].get(label) ?? 0) + 1);
          }
        }
        const items: Candidate[] = [];
        const outcomes: string[] = [];
        batch.forEach((text, i) => {
          const ranked = [...votes[i]].sort((a, b) => b[1] - a[1]);
          if (ranked.length === 0) {
            outcomes.push(offLabel[i] > 0 ? 'off-label answer' : 'not returned');
            return;
          }
          const agreement = ranked[0][1] / arrays.length;
          if (samples > 1 && agreement < minAgreement) { bump('low-agreement'); outcomes.push('low-agreement'); return; }
          items.push({ text, label: ranked[0][0], ...(samples > 1 ? { confidence: agreement } : {}) });
          outcomes.push('accepted');
        });
        return { items, rejected, outcomes, returned };
      },
    };
  }
}
