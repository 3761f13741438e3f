/**
 * What the Synthesize step asks for and shows: the run settings the user picks, the live counters
 * of a running job, and the words for rejection reasons.
 */
import type { Round0Strategy } from '../../core/loop/config.js';
import type { Strategy } from '../../core/dataset/example.js';
import type { LoopState } from '../../core/loop/state.js';
import type { Progress, ProgressPhase, StepDetail } from '../../core/progress.js';
import type { SynthSettings } from '../../core/projects/settings.js';

export type { SynthSettings };

export type SynthStatus = 'idle' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

/**
 * The run's counters the step shows; all optional. Items asked of the teacher add up:
 * requested = accepted + Σ rejected + Σ missing.
 */
export interface SynthDetail {
  /** Items asked of the teacher (examples to write, texts to label). */
  requested?: number;
  /** Examples kept: the teacher's answers that passed the checks, less what settling into the project dropped. */
  accepted?: number;
  /** The examples the run's settled rounds put into the project, and of them the unlabeled texts it labeled. */
  added?: number;
  labeled?: number;
  rejected?: Record<string, number>;
  /** Items asked for that never came, by reason (not returned, cut off, request failed, not sent…). */
  missing?: Record<string, number>;
  promptTokens?: number;
  completionTokens?: number;
  cost?: number;
  round?: number;
  strategy?: string;
  /** Failed teacher attempts by kind (rate_limited, timeout…). */
  failed?: Record<string, number>;
}

/** What the Synthesize step shows of a run's progress: its phase, how far, and the run's counters. */
export interface RunProgress {
  phase: ProgressPhase | 'done';
  done: number;
  total: number;
  /** The whole progress line, in words (phaseLabel); without it the phase's name is shown. */
  label?: string;
  detail: SynthDetail;
  /** The last step of a round's fine-tuning (the Accurate student): steps/s, time left. */
  step?: StepDetail;
}

export function defaultSynthSettings(hasUnlabeled: boolean): SynthSettings {
  return {
    mix: toShares({ annotate: 1, generate: 1, rationale: 1 }, hasUnlabeled),
    budget: 200, rounds: 2, price: { input: 0, output: 0 }, student: 'word',
  };
}

const STRATEGIES: Round0Strategy[] = ['generate', 'rationale', 'annotate'];

/** Annotation needs unlabeled texts; the other strategies can always be used. */
export function usableStrategies(hasUnlabeled: boolean): Round0Strategy[] {
  return STRATEGIES.filter((k) => k !== 'annotate' || hasUnlabeled);
}

/**
 * Whole numbers proportional to `weights` over `keys` that sum to `total` exactly (largest
 * remainder, ties to the earlier key); all-zero weights split evenly.
 */
function apportion(weights: Record<Round0Strategy, number>, keys: Round0Strategy[], total: number): Record<Round0Strategy, number> {
  const out: Record<Round0Strategy, number> = { generate: 0, rationale: 0, annotate: 0 };
  if (keys.length === 0 || total <= 0) return out;
  const w = keys.map((k) => Math.max(0, Number.isFinite(weights[k]) ? weights[k] : 0));
  const sum = w.reduce((a, b) => a + b, 0);
  const exact = w.map((x) => (sum > 0 ? (x / sum) * total : total / keys.length));
  const floors = exact.map(Math.floor);
  let left = total - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - floors[i]!, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) { if (left-- <= 0) break; floors[i]!++; }
  keys.forEach((k, i) => { out[k] = floors[i]!; });
  return out;
}

/**
 * The shares (whole percent, summing to 100 over the usable strategies) that relative weights
 * stand for. Also reads settings saved before shares, when the mix was weights from 0 to 10.
 */
export function toShares(weights: Record<Round0Strategy, number>, hasUnlabeled: boolean): Record<Round0Strategy, number> {
  return apportion(weights, usableStrategies(hasUnlabeled), 100);
}

/**
 * Sets one strategy's share and gives the rest to the other usable strategies in proportion to
 * what they had (evenly when they had nothing), so the shares always sum to 100 and a slider's
 * position is the share it shows.
 */
export function setShare(mix: Record<Round0Strategy, number>, key: Round0Strategy, value: number, hasUnlabeled: boolean): Record<Round0Strategy, number> {
  const usable = usableStrategies(hasUnlabeled);
  if (!usable.includes(key)) return toShares(mix, hasUnlabeled);
  const others = usable.filter((k) => k !== key);
  const v = others.length === 0 ? 100 : Math.round(Math.max(0, Math.min(100, Number.isFinite(value) ? value : 0)));
  const rest = apportion(mix, others, 100 - v);
  rest[key] = v;
  return rest;
}

export function synthDetail(p: RunProgress | null): SynthDetail {
  return p?.detail ?? {};
}

export const STRATEGY_TEXT: Record<Round0Strategy, { name: string; what: string }> = {
  generate: { name: 'Write new examples', what: 'The teacher writes new texts for each label, shown a few of your examples.' },
  rationale: { name: 'Reason first, then write', what: 'The teacher first lists what makes each label different, then writes examples that cover those traits (S3).' },
  annotate: { name: 'Label your unlabeled texts', what: 'The teacher labels texts you uploaded without labels.' },
};

const REASONS: Record<string, string> = {
  'off-label': 'label not in your list',
  malformed: 'answer was not valid JSON',
  'too-short': 'too short',
  'too-long': 'too long',
  duplicate: 'duplicate',
  leak: 'copies a validation or test text',
  'low-agreement': 'teacher disagreed with itself',
  missing: 'answer left items out',
  'duplicate-of-earlier': 'already in your project',
};

const MISSING: Record<string, string> = {
  'not returned': 'left out of the answer',
  'cut off': 'answer cut off at the length limit',
  'request failed': 'request failed after every retry',
  'not sent': 'not asked yet (stopped, or the budget ran out)',
  'off-label answer': 'answered only with labels not in your list',
};

/** A reason an asked item never came (teacher/accounting.ts MissingReason) in words. */
export const missingText = (key: string): string => MISSING[key] ?? key.replace(/[-_]/g, ' ');

/** A key in words: from the table, else the key itself with its dashes and underscores as spaces. */
const inWords = (table: Record<string, string>) => (key: string): string => table[key] ?? key.replace(/[-_]/g, ' ');

/** A rejection reason (teacher/filters.ts) in words. */
export const reasonText = inWords(REASONS);

const PHASES: Record<string, string> = {
  synthesize: 'The teacher is writing examples',
  loop: 'Saving progress',
  embed: 'Reading the texts',
  train: 'Training the small model',
  'load-model': 'Loading the model',
};

/** A progress phase of the run (loop, teacher, student) in words. */
export const phaseText: (phase: RunProgress['phase']) => string = inWords(PHASES);

const JOB_TEXT: Record<Strategy, string> = {
  annotate: 'The teacher is labeling your unlabeled texts',
  generate: 'The teacher is writing new examples',
  rationale: 'The teacher is listing what marks each label, then writing examples',
  extrapolate: 'The teacher is writing examples like the model\'s mistakes',
};

/**
 * A run's progress line, in words that say what is happening: which job of which round the
 * teacher is on, and which model is training (the first model trained is a baseline on the user's
 * examples alone, before the teacher is asked anything: without saying so, "Training the small
 * model: 9 of 60" beside "Accepted 0" reads as if the run had skipped the teacher).
 */
export function phaseLabel(p: Progress, state: LoopState | null | undefined): string {
  const steps = state?.steps ?? [];
  if (p.phase === 'synthesize') {
    const job = state?.jobs?.find((j) => j.id === p.detail.jobId);
    const what = job ? `${JOB_TEXT[job.strategy]}, round ${job.round}` : PHASES.synthesize;
    return `${what}: ${p.done} of ${p.total}`;
  }
  if (p.phase === 'train' || p.phase === 'train-step') {
    const where = p.phase === 'train' ? `epoch ${p.done} of ${p.total}`
      : `step ${p.done.toLocaleString('en')} of at most ${p.total.toLocaleString('en')} (epoch ${p.detail.epoch})`;
    const model = p.phase === 'train' ? 'the small model' : 'the transformer';
    if (!steps.includes('baseline.seedsOnly')) return `Training a first model on your own examples alone, to compare with later: ${where}`;
    const round = (state?.rounds ?? []).map((r) => r.round).sort((a, b) => a - b).find((r) => steps.includes(`r${r}.synth`) && !steps.includes(`r${r}.trained`));
    return round === undefined ? `Training ${model}: ${where}` : `Training ${model} on your examples and the teacher's, round ${round}: ${where}`;
  }
  return `${phaseText(p.phase)}${p.total > 0 ? `: ${p.done} of ${p.total}` : ''}`;
}

const FAILURES: Record<string, string> = {
  rate_limited: 'rate limited (HTTP 429)',
  server_error: 'server errors (HTTP 5xx)',
  timeout: 'no answer in time',
  network: 'could not reach the server',
  malformed: 'answer was not valid JSON',
  truncated: 'answer was cut off',
  client_error: 'request refused (HTTP 4xx)',
};

/** A failed teacher attempt's kind (teacher/client.ts FailureKind) in words. */
export const failureText = inWords(FAILURES);

/** Problems with the settings that would stop a run, each saying what to change. */
export function settingsProblems(s: SynthSettings, hasUnlabeled: boolean): string[] {
  const out: string[] = [];
  const used = Object.values(s.mix).filter((w) => w > 0).length;
  if (!used) out.push('Give at least one strategy a share above 0%.');
  if (s.mix.annotate > 0 && !hasUnlabeled) out.push('Labeling unlabeled texts needs unlabeled texts: add them in the Data step, or set its share to 0%.');
  if (!Number.isInteger(s.budget) || s.budget < 10) out.push('Set the budget to at least 10 examples.');
  if (!Number.isInteger(s.rounds) || s.rounds < 0 || s.rounds > 10) out.push('Rounds must be a whole number from 0 to 10.');
  if (!(s.price.input >= 0) || !(s.price.output >= 0)) out.push('Prices cannot be negative; use 0 for a free local server.');
  return out;
}

/** Dollars, with cents below $10 and more digits for the tiny sums a local or cheap model costs. */
export function formatCost(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}
