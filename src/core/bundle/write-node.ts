/**
 * Node side of the export: writes the bundle of a run's store to a file. This is what the CLI's
 * `train` and `run` call at the end (`<out>/distillery-student.zip`) and what `export` calls.
 * Kept apart from export.ts so browser bundles never pull in `node:fs`.
 */
import { diskSource, DEFAULT_VECTORS_DIR } from '../encode/word-vectors-node.js';
import type { LongOpOptions } from '../progress.js';
import type { Store } from '../store/store.js';
import { writeFileAtomic } from '../store/atomic-write-node.js';
import { writeBundle, type BundleInput } from './export.js';
import { bundleInputFromStore } from './from-store.js';

export const BUNDLE_FILE_NAME = 'distillery-student.zip';

export interface WriteRunBundleOptions extends LongOpOptions {
  modelId?: string;
  /** The word-vector asset folder for GloVe students (default: this checkout's public/vectors/). */
  vectorsDir?: string;
}

/** Written atomically, so an interrupted or failed export never leaves half a bundle, nor a temporary file. */
export async function writeBundleFile(file: string, input: BundleInput, opts: LongOpOptions = {}): Promise<number> {
  const zip = await writeBundle(input, opts);
  await writeFileAtomic(file, zip);
  return zip.byteLength;
}

/** The bundle of a project's kept student in `store`, written to `file`. Returns what it wrote. */
export async function writeRunBundle(store: Store, projectId: string, file: string, opts: WriteRunBundleOptions = {}): Promise<{ bytes: number; input: BundleInput }> {
  const input = await bundleInputFromStore(store, projectId, {
    modelId: opts.modelId,
    vectors: diskSource(opts.vectorsDir ?? DEFAULT_VECTORS_DIR),
  });
  return { bytes: await writeBundleFile(file, input, opts), input };
}
