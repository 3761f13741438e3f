/**
 * Projects as the fronts make and delete them: the Data step's upload, `distillery train` and
 * `run` from their files.
 */
import type { Example } from '../dataset/example.js';
import { sameTextKey } from '../dataset/hash.js';
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

/** A new project's examples from its labeled and unlabeled files, and what joining them dropped. */
export interface IntakeExamples {
  examples: Example[];
  /** Unlabeled texts left out because they are labeled examples too (same text up to case and surrounding space). */
  alsoLabeled: number;
}

/**
 * The labeled examples and the unlabeled texts as one project: an unlabeled text that is also a
 * labeled example stays a labeled example only (the teacher would label it again, and the run
 * would drop that as a duplicate), and how many that left out is counted, so "400 accepted" and
 * the 395 stored say why they differ.
 */
export function intakeExamples(labeled: readonly Example[], unlabeled: readonly Example[] = []): IntakeExamples {
  const known = new Set(labeled.map((e) => sameTextKey(e.text)));
  const pool: Example[] = [];
  let alsoLabeled = 0;
  for (const e of unlabeled) {
    if (known.has(sameTextKey(e.text))) { alsoLabeled++; continue; }
    pool.push({ ...e, label: null, split: 'unlabeled' });
  }
  return { examples: [...labeled, ...pool], alsoLabeled };
}
