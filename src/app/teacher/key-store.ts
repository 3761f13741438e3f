/**
 * Where a teacher API key lives. By default only in this module's memory: gone on reload, never
 * written anywhere. If the user ticks "remember on this device" (after a warning), it is stored in
 * its own IndexedDB database, apart from the project store, so no export or bundle can ever pick
 * it up. Keys are filed by teacher origin so a key is never sent to a different server.
 */
import { openDB, type IDBPDatabase } from 'idb';

const DB = 'distillery-secrets';
const STORE = 'teacher-keys';

const inMemory = new Map<string, string>();
let db: Promise<IDBPDatabase> | undefined;

function open(): Promise<IDBPDatabase> {
  db ??= openDB(DB, 1, { upgrade: (d) => void d.createObjectStore(STORE) });
  return db;
}

/** The key for a teacher origin: memory first, then the remembered one (if any). */
export async function getKey(origin: string): Promise<string> {
  const mem = inMemory.get(origin);
  if (mem !== undefined) return mem;
  const stored = (await (await open()).get(STORE, origin)) as string | undefined;
  if (stored) inMemory.set(origin, stored);
  return stored ?? '';
}

export async function isRemembered(origin: string): Promise<boolean> {
  return (await (await open()).get(STORE, origin)) !== undefined;
}

/** Keeps the key for this page load; remembers it on the device only when asked to. */
export async function setKey(origin: string, key: string, remember: boolean): Promise<void> {
  inMemory.set(origin, key);
  const d = await open();
  if (remember && key) await d.put(STORE, key, origin);
  else await d.delete(STORE, origin);
}

export async function forgetKey(origin: string): Promise<void> {
  inMemory.delete(origin);
  await (await open()).delete(STORE, origin);
}
