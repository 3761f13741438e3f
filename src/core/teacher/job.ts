/** What a synthesis job is and what it reports back. See index.ts for how to run one. */
import type { Strategy } from '../dataset/example.js';
import type { BudgetLimits, BudgetStop } from './budget.js';
import type { FailureKind } from './client.js';
import type { PromptTemplate, TemplateName } from './prompts.js';

export interface LabeledText { text: string; label: string }

/** A validation example the student got wrong: the input of error extrapolation (S3). */
export interface ErrorCase { text: string; trueLabel: string; predictedLabel: string }

export interface SynthesisJob {
  projectId: string;
  /**
   * Stable id of this job. Running the same job id again resumes it: finished requests are
   * skipped and their examples kept. Use a new id for new work (e.g. per loop round).
   */
  jobId: string;
  strategy: Strategy;
  /** 0 for the first synthesis; S3 extrapolation rounds count from 1. */
  round: number;
  /**
   * Examples wanted: generate/rationale: accepted examples in all (spread evenly over labels);
   * annotate: unlabeled texts to label (the first n); extrapolate: new examples per error case.
   */
  n: number;
  labels: string[];
  seeds: LabeledText[];
  /** One sentence on what is classified, e.g. "sentiment of movie-review sentences". */
  task?: string;
  unlabeled?: string[];
  errors?: ErrorCase[];
  /** Validation and test texts: nothing the teacher makes may copy them (the leakage guard). */
  avoidTexts?: string[];
  templates?: Partial<Record<TemplateName, Partial<PromptTemplate>>>;
  budget?: BudgetLimits;
  options?: SynthesisOptions;
}

export interface SynthesisOptions {
  /** Requests at once. Default 4. */
  concurrency?: number;
  /** Examples asked for per generation request. Default 5. */
  perRequest?: number;
  /** Texts per annotation request. Default 10. */
  annotateBatch?: number;
  /** Self-consistency: answers per annotation batch, majority vote. Default 1. */
  samples?: number;
  /** With samples > 1: items whose agreement is below this are dropped. Default 0.5. */
  minAgreement?: number;
  /** Seeds shown per prompt; rotated so prompts differ. Default 8. */
  shots?: number;
  /** Generate: topics or situations to rotate through, one per request (a diversity control). */
  topics?: string[];
  /** Rationale-first: attributes asked per label (K) and used per example request (k). */
  attributesPerLabel?: number;
  attributesPerRequest?: number;
  temperature?: number;
  minChars?: number;
  maxChars?: number;
  nearDuplicateThreshold?: number;
  /** Stop after this many requests in a row failed for good. Default 10. */
  maxConsecutiveFailures?: number;
}

/**
 * Why a job ended: 'done'; a budget ('budget:requests' | 'budget:tokens' | 'budget:cost');
 * 'teacher-failing' (too many requests in a row failed for good); 'incomplete' (some requests
 * failed for good: run the job again to retry them); 'exhausted' (the teacher's answers stopped
 * yielding new, unique examples).
 */
export type SynthesisStopReason = 'done' | BudgetStop | 'teacher-failing' | 'incomplete' | 'exhausted';

export interface SynthesisSummary {
  jobId: string;
  /** What the job is for: n examples (generate, rationale), texts to label (annotate), n × errors (extrapolate). */
  target: number;
  /**
   * Items asked of the teacher over the whole job, earlier runs included (generation: examples
   * asked in requests, each rejected one asked again; annotation: texts, each once). Always
   * `requested = accepted + Σ rejected + Σ missing`.
   */
  requested: number;
  /** Accepted examples of the whole job, earlier interrupted runs included. */
  accepted: number;
  /** Accepted in this call. */
  acceptedNow: number;
  /** Items the teacher returned that were not kept, by reason (off-label, duplicate, leak…), whole job. */
  rejected: Record<string, number>;
  /** Items asked for that never came: 'not returned', 'cut off' (length limit), 'request failed', 'not sent'. */
  missing: Record<string, number>;
  /** Items sent beyond what was asked (not used; not part of `requested`). */
  extra: number;
  /** When the job ended short: why, in one sentence (e.g. how many requests returned nothing). */
  why?: string;
  /** Attempts sent in this call, retries included. */
  requests: number;
  /** Requests finished by an earlier run of this job and skipped now. */
  skippedRequests: number;
  /** Every failed attempt, by kind (a request retried after a 429 counts one rate_limited). */
  failedRequests: Partial<Record<FailureKind, number>>;
  /** Tokens spent in this call (from `usage`, estimated where a server sends none). */
  tokens: number;
  tokensEstimated: boolean;
  cost: number;
  seconds: number;
  stopReason: SynthesisStopReason;
  /** The last failure's message when the teacher kept failing. */
  lastError?: string;
}
