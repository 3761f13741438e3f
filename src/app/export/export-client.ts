/**
 * The Export step's calls to the worker, and saving bytes as a download. A failure the user can
 * act on arrives as a UserError (what is wrong, then what to do), in one line here.
 */
import { isUserError } from '../../core/errors';
import { worker } from '../worker-client';

export type { OpenedBundle } from '../../core/bundle/service';
export type { Prediction } from '../../core/bundle/predictor';

/** A failed call in one line for the page. */
export function errorText(e: unknown): string {
  return isUserError(e) ? e.userMessage : (e as Error).message;
}

export function saveBytes(bytes: Uint8Array, name: string, mime: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // Revoke later: some browsers start the download after the click handler returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const bundleWorker = () => worker().bundle;

/** A file name for the bundle from the project's name. */
export function bundleFileName(projectName: string | undefined): string {
  const slug = (projectName ?? 'student').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'student';
  return `${slug}.distillery.zip`;
}

/** Sorted scores for display: highest first. */
export function rankedScores(scores: Record<string, number>): { label: string; p: number }[] {
  return Object.entries(scores).map(([label, p]) => ({ label, p })).sort((a, b) => b.p - a.p);
}
