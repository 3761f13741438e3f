/**
 * The Export step's calls to the worker, and saving bytes as a download. Worker failures the user
 * can act on come back as `{ok: false, error, hint}` and are turned into one message here.
 */
import type * as Comlink from 'comlink';
import { worker } from '../worker-client';
import type { BundleResult, bundleApi } from '../../worker/bundle';

export type { OpenedBundle } from '../../core/bundle/service';
export type { Prediction } from '../../core/bundle/predictor';

export class ExportFailure extends Error {}

export function unwrap<T>(r: BundleResult<T>): T {
  if (r.ok) return r.value;
  throw new ExportFailure(r.hint ? `${r.error} ${r.hint}` : r.error);
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

/** Comlink proxies nested namespaces at run time; its types only see the top level. */
export const bundleWorker = () => worker().bundle as unknown as Comlink.Remote<typeof bundleApi>;

/** A file name for the bundle from the project's name. */
export function bundleFileName(projectName: string | undefined): string {
  const slug = (projectName ?? 'student').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'student';
  return `${slug}.distillery.zip`;
}

/** Sorted scores for display: highest first. */
export function rankedScores(scores: Record<string, number>): { label: string; p: number }[] {
  return Object.entries(scores).map(([label, p]) => ({ label, p })).sort((a, b) => b.p - a.p);
}
