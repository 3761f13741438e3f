/**
 * Rationale-first generation (S3, Wang et al. 2023): first ask the teacher for K attributes
 * (reasons, cues, topics) per label, then ask for examples that each show k of them, rotating
 * through the list so the examples cover it. The attributes are kept in the store (a RunRecord per
 * label), so a resumed job does not ask for them again.
 */
import type { RunRecord } from '../../store/store.js';
import { attributesSchema } from '../schema.js';
import { exampleBlock, quoteText, renderTemplate, type PromptTemplate } from '../prompts.js';
import type { SynthesisJob } from '../job.js';
import { GeneratePlanner } from './generate.js';
import { labelList, pickShots, taskLine, type PlanContext, type Planner, type PlanState, type Unit } from './unit.js';


export class RationalePlanner implements Planner {
  readonly total: number;
  private readonly attributes = new Map<string, string[]>();
  private readonly examples: GeneratePlanner;

  constructor(private readonly job: SynthesisJob, private readonly attrTemplate: PromptTemplate, genTemplate: PromptTemplate) {
    this.total = job.n;
    const k = Math.max(1, job.options?.attributesPerRequest ?? 2);
    this.examples = new GeneratePlanner(job, {
      keyPrefix: `rationale:r${job.round}`, template: genTemplate, strategy: 'rationale',
      attributesFor: (label, index) => {
        const list = this.attributes.get(label) ?? [];
        if (list.length === 0) return '';
        const picked = Array.from({ length: Math.min(k, list.length) }, (_, j) => list[(index * k + j) % list.length]);
        return '\n' + picked.map((a) => `- ${quoteText(a)}`).join('\n');
      },
    });
  }

  private runId(label: string): string { return `${this.job.jobId}:attributes:${label}`; }
  private key(label: string): string { return `rationale:r${this.job.round}:attributes:${label}`; }

  async init(ctx: PlanContext): Promise<void> {
    for (const label of this.job.labels) {
      const run = await ctx.store.getRun(this.runId(label));
      const list = run?.kind === 'teacher-attributes' ? run.state.attributes : undefined;
      if (Array.isArray(list) && list.length > 0) this.attributes.set(label, list.map(String));
    }
  }

  async saveAttributes(label: string, attributes: string[], ctx: PlanContext): Promise<void> {
    this.attributes.set(label, attributes);
    const now = new Date().toISOString();
    const run: RunRecord = {
      id: this.runId(label), projectId: this.job.projectId, kind: 'teacher-attributes', status: 'done',
      createdAt: now, updatedAt: now, state: { jobId: this.job.jobId, label, attributes, model: ctx.model },
    };
    await ctx.store.putRun(run);
  }

  next(state: PlanState): Unit | undefined {
    let waiting = false;
    for (const label of this.job.labels) {
      if (this.attributes.has(label)) continue;
      const key = this.key(label);
      // A label whose attribute request failed for good still gets examples, just without attributes.
      if (state.failed.has(key)) continue;
      if (state.inFlight.has(key)) { waiting = true; continue; }
      if (state.done.has(key)) continue;
      return this.attributeUnit(label, key);
    }
    if (waiting) return undefined;
    return this.examples.next(state);
  }

  private attributeUnit(label: string, key: string): Unit {
    const job = this.job;
    const K = Math.max(1, job.options?.attributesPerLabel ?? 10);
    const vars = {
      task: taskLine(job), labels: labelList(job.labels), label, count: K,
      examples: exampleBlock(pickShots(job.seeds, job.labels, job.options?.shots ?? 8, 0)),
    };
    const t = this.attrTemplate;
    return {
      key, templateId: t.id, source: 'generated', label, expected: K, field: 'attributes', dedup: false,
      requests: [{
        messages: [{ role: 'system', content: renderTemplate(t.system, vars) }, { role: 'user', content: renderTemplate(t.user, vars) }],
        schema: attributesSchema(label, K),
        temperature: job.options?.temperature ?? 0.9,
      }],
      read: ([items]) => {
        const attrs = [...new Set(items.filter((a): a is string => typeof a === 'string').map((a) => a.trim()).filter((a) => a.length > 0 && a.length <= 200))];
        const malformed = items.length - attrs.length;
        return { items: [], attributes: attrs.slice(0, K), rejected: malformed > 0 ? { 'malformed-attribute': malformed } : {} as Record<string, number> };
      },
    };
  }
}
