/**
 * The worker's `bundle` namespace (Export step): the core's bundle service over the app's
 * IndexedDB store and the word vectors the app serves itself. A UserError comes back as a value
 * ({error, hint, code}), because Comlink would keep only an error's message.
 */
import { createBundleService } from '../core/bundle/service.js';
import { urlSource } from '../core/encode/word-vectors.js';
import { isUserError } from '../core/errors.js';
import { IdbStore } from '../core/store/idb.js';

export interface BundleFailure { error: string; hint?: string; code: string }
export type BundleResult<T> = { ok: true; value: T } | ({ ok: false } & BundleFailure);

let store: Promise<IdbStore> | undefined;

const service = createBundleService(
  () => (store ??= IdbStore.open()),
  { vectors: urlSource(new URL(`${import.meta.env.BASE_URL}vectors/`, self.location.origin).href) },
);

async function result<T>(f: () => Promise<T>): Promise<BundleResult<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    if (isUserError(e)) return { ok: false, error: e.message, hint: e.hint, code: e.code };
    throw e;
  }
}

type Service = typeof service;

export const bundleApi = {
  open: (bytes: Uint8Array, fileName: string) => result(() => service.open(bytes, fileName)),
  predict: (handle: number, texts: string[]) => result(() => service.predict(handle, texts)),
  close: (handle: number) => service.close(handle),
  importProject: (bytes: Uint8Array, fileName: string) => result(() => service.importProject(bytes, fileName)),
  exportProject: (projectId: string, options?: Parameters<Service['exportProject']>[1]) => result(() => service.exportProject(projectId, options)),
  exportDataset: (...args: Parameters<Service['exportDataset']>) => result(() => service.exportDataset(...args)),
};
