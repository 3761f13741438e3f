/**
 * Every long operation in the core takes these options: an AbortSignal to stop it and a callback
 * for progress, so the worker, the UI and the CLI can all show the same bars.
 */
export interface Progress {
  /** What is happening now, e.g. 'parse', 'synthesize', 'embed', 'train'. */
  phase: string;
  done: number;
  total: number;
  /** Phase-specific numbers for richer displays (loss, accepted counts, tokens…). */
  detail?: Record<string, unknown>;
}

export type OnProgress = (p: Progress) => void;

export interface LongOpOptions {
  signal?: AbortSignal;
  onProgress?: OnProgress;
}
