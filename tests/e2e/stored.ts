/**
 * The browser tests' own view of the app's IndexedDB ('distillery'), read inside the page: what a
 * store holds, independent of the app's code that wrote it. Binary values (a model's weights, a
 * checkpoint's tensors) come out as their byte length, so nothing large is copied out of the page.
 */
import type { Page } from '@playwright/test';

/**
 * Every row of object store `name`; with `openProject`, only the rows (`projectId`) of the project
 * the flow has open. Rows are the store's records as the app wrote them, typed by the caller.
 */
export async function storedRows<T>(page: Page, name: string, opts: { openProject?: boolean } = {}): Promise<T[]> {
  return page.evaluate(async ({ name, openProject }) => {
    const db = await new Promise<IDBDatabase>((res, rej) => { const r = indexedDB.open('distillery'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const all = await new Promise<unknown[]>((res, rej) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    db.close();
    const sized = (v: unknown): unknown => {
      if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return v.byteLength;
      if (Array.isArray(v)) return v.map(sized);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sized(x)]));
      return v;
    };
    const projectId = openProject ? JSON.parse(localStorage.getItem('distillery.flow') ?? '{}').projectId as string : undefined;
    return all.filter((r) => projectId === undefined || (r as { projectId?: string }).projectId === projectId).map(sized);
  }, { name, openProject: !!opts.openProject }) as Promise<T[]>;
}

/** The keys of object store `name`, as strings. */
export async function storedKeys(page: Page, name: string): Promise<string[]> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((res, rej) => { const r = indexedDB.open('distillery'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const keys = await new Promise<IDBValidKey[]>((res, rej) => { const r = db.transaction(name).objectStore(name).getAllKeys(); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    db.close();
    return keys.map(String);
  }, name);
}
