/**
 * Spending limits for one job. The job checks `exceeded()` before every attempt, so a budget stops
 * the work between requests: what was accepted stays, nothing is half-written. Spending already
 * journaled by an earlier (interrupted) run of the same job counts too, so a resumed job cannot
 * overspend by starting over.
 */
import type { Usage } from './client.js';

export interface BudgetLimits {
  /** Attempts sent to the teacher, retries included. */
  maxRequests?: number;
  maxTokens?: number;
  /** In the currency of the prices, usually USD. */
  maxCost?: number;
  /** Price per million prompt tokens. */
  pricePerMInput?: number;
  /** Price per million completion tokens. */
  pricePerMOutput?: number;
}

/** Which limit stopped a job. */
export type BudgetStop = 'budget:requests' | 'budget:tokens' | 'budget:cost';

export class Budget {
  requests = 0;
  promptTokens = 0;
  completionTokens = 0;

  constructor(readonly limits: BudgetLimits = {}) {}

  get tokens(): number { return this.promptTokens + this.completionTokens; }

  get cost(): number {
    return (this.promptTokens * (this.limits.pricePerMInput ?? 0) + this.completionTokens * (this.limits.pricePerMOutput ?? 0)) / 1e6;
  }

  addRequest(): void { this.requests++; }

  addUsage(u: Pick<Usage, 'promptTokens' | 'completionTokens'>): void {
    this.promptTokens += u.promptTokens;
    this.completionTokens += u.completionTokens;
  }

  /** The limit reached, as a stop reason, or undefined. */
  exceeded(): BudgetStop | undefined {
    const l = this.limits;
    if (l.maxRequests !== undefined && this.requests >= l.maxRequests) return 'budget:requests';
    if (l.maxTokens !== undefined && this.tokens >= l.maxTokens) return 'budget:tokens';
    if (l.maxCost !== undefined && this.cost >= l.maxCost) return 'budget:cost';
    return undefined;
  }
}
