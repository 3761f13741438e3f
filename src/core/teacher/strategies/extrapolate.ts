/**
 * Error extrapolation (S3, Wang et al. 2023): for each validation example the student got wrong,
 * ask for `n` new examples like it, with its true label. One request per error case.
 */
import { textHash } from '../../dataset/hash.js';
import { examplesSchema, readExampleItems, SCHEMA_NAMES } from '../schema.js';
import { quoteText, renderTemplate, type PromptTemplate } from '../prompts.js';
import type { ErrorCase, SynthesisJob } from '../job.js';
import { labelList, taskLine, type Planner, type PlanState, type Unit } from './unit.js';

export class ExtrapolatePlanner implements Planner {
  readonly total: number;
  private readonly cases: ErrorCase[];

  constructor(private readonly job: SynthesisJob, private readonly template: PromptTemplate) {
    this.cases = (job.errors ?? []).filter((e) => job.labels.includes(e.trueLabel));
    this.total = this.cases.length * Math.max(1, job.n);
  }

  private key(i: number): string {
    return `extrapolate:r${this.job.round}:${i}:${textHash(this.cases[i].text)}`;
  }

  next(state: PlanState): Unit | undefined {
    for (let i = 0; i < this.cases.length; i++) {
      const key = this.key(i);
      if (state.done.has(key) || state.inFlight.has(key) || state.failed.has(key)) continue;
      return this.unit(i, key);
    }
    return undefined;
  }

  private unit(index: number, key: string): Unit {
    const job = this.job;
    const c = this.cases[index];
    const count = Math.max(1, job.n);
    const vars = {
      task: taskLine(job), labels: labelList(job.labels), label: c.trueLabel, predicted: c.predictedLabel, count,
      reference: `<example label=${JSON.stringify(c.trueLabel)}>${quoteText(c.text)}</example>`,
    };
    return {
      key, templateId: this.template.id, source: 'extrapolated', label: c.trueLabel, expected: count, field: 'examples', dedup: true,
      requests: [{
        messages: [{ role: 'system', content: renderTemplate(this.template.system, vars) }, { role: 'user', content: renderTemplate(this.template.user, vars) }],
        schema: examplesSchema(SCHEMA_NAMES.similar, [c.trueLabel], count),
        temperature: job.options?.temperature ?? 0.9,
      }],
      read: ([items]) => {
        const { items: raw, malformed } = readExampleItems(items);
        return { items: raw, rejected: malformed ? { malformed } : {} as Record<string, number> };
      },
    };
  }
}
