/**
 * Projects as the fronts make and delete them: the Data step's upload, `distillery train` and
 * `run` from their files.
 */
import type { Example } from '../dataset/example.js';
import { labelOrder } from '../dataset/labels.js';
import type { ProjectRecord, Store } from '../store/store.js';
import type { ProjectSettings } from './settings.js';

export interface NewProject {
  id: string;
  name: string;
  examples: Example[];
  settings?: ProjectSettings;
  /** The label set; default: every label of the examples. Put in the one label order either way. */
  labels?: string[];
}

/**
 * Stores a new project with its examples: in one transaction where the store has them
 * (IndexedDB), else the examples first and the record last, so a project never appears without
 * its data (a crash in between leaves examples nothing lists, and the same call again repairs it).
 */
export async function createProject(store: Store, p: NewProject): Promise<ProjectRecord> {
  const now = new Date().toISOString();
  const labels = labelOrder(p.labels ?? p.examples.flatMap((e) => (e.label === null ? [] : [e.label])));
  const record: ProjectRecord = { id: p.id, name: p.name, createdAt: now, updatedAt: now, labels, settings: p.settings ?? {} };
  if (store.putProjectWithExamples) {
    await store.putProjectWithExamples(record, p.examples);
  } else {
    await store.putExamples(p.id, p.examples);
    await store.putProject(record);
  }
  return record;
}
