/**
 * Generation (X,Y), Kaddour & Liu 2023: new labeled texts, few-shot with rotating seed subsets,
 * several per request, labels balanced. The rationale-first variant (S3) reuses this planner with
 * attributes mixed into each request (see rationale.ts).
 */
import { examplesSchema, readExampleItems, SCHEMA_NAMES } from '../schema.js';
import { exampleBlock, quoteText, renderTemplate, type PromptTemplate } from '../prompts.js';
import type { SynthesisJob } from '../job.js';
import { labelList, lengthHint, pickShots, quotas, taskLine, type Planner, type PlanState, type Unit } from './unit.js';

export interface GenerateOptions {
  keyPrefix: string;
  template: PromptTemplate;
  /** Text put in {{attributes}} for request `index` and `label`. */
  attributesFor?: (label: string, index: number) => string;
  strategy: 'generate' | 'rationale';
}

export class GeneratePlanner implements Planner {
  readonly total: number;
  private readonly quota: Map<string, number>;
  /** A teacher whose answers keep being rejected must not run forever. */
  private readonly maxUnits: number;

  constructor(private readonly job: SynthesisJob, private readonly opts: GenerateOptions) {
    this.total = job.n;
    this.quota = quotas(job.n, job.labels);
    const per = job.options?.perRequest ?? 5;
    this.maxUnits = Math.ceil(job.n / per) * 5 + 20;
  }

  next(state: PlanState): Unit | undefined {
    const per = this.job.options?.perRequest ?? 5;
    const labels = this.job.labels;
    // Scan from the lowest key, so a resumed job fills the gaps an interrupted run left first.
    for (let i = 0; i < this.maxUnits; i++) {
      const key = `${this.opts.keyPrefix}:${i}`;
      if (state.done.has(key) || state.inFlight.has(key) || state.failed.has(key)) continue;
      const label = labels[i % labels.length];
      const need = (this.quota.get(label) ?? 0) - (state.acceptedByLabel.get(label) ?? 0) - (state.pendingByLabel.get(label) ?? 0);
      if (need <= 0) continue;
      return this.unit(i, key, label, Math.min(per, need));
    }
    return undefined;
  }

  private unit(index: number, key: string, label: string, count: number): Unit {
    const job = this.job;
    const t = this.opts.template;
    const shots = pickShots(job.seeds, job.labels, job.options?.shots ?? 8, index);
    const vars = {
      task: taskLine(job), labels: labelList(job.labels), label, count,
      examples: exampleBlock(shots), length: lengthHint(job.seeds), attributes: this.opts.attributesFor?.(label, index) ?? '',
    };
    return {
      key, templateId: t.id, source: 'generated', label, expected: count, field: 'examples', dedup: true,
      requests: [{
        messages: [{ role: 'system', content: renderTemplate(t.system, vars) }, { role: 'user', content: renderTemplate(t.user, vars) }],
        schema: examplesSchema(SCHEMA_NAMES.examples, [label], count),
        temperature: job.options?.temperature ?? 0.9,
      }],
      read: ([items]) => {
        const { items: raw, malformed } = readExampleItems(items);
        return { items: raw, rejected: malformed ? { malformed } : {} as Record<string, number> };
      },
    };
  }
}

export function generatePlanner(job: SynthesisJob, template: PromptTemplate): Planner {
  const topics = (job.options?.topics ?? []).map((t) => t.trim()).filter(Boolean);
  // Optional diversity control: each request is steered to one topic, rotating through the list.
  const attributesFor = topics.length
    ? (_label: string, index: number) => ` Set them in this topic or situation: ${quoteText(topics[Math.floor(index / job.labels.length) % topics.length])}.`
    : undefined;
  return new GeneratePlanner(job, { keyPrefix: `generate:r${job.round}`, template, strategy: 'generate', attributesFor });
}
