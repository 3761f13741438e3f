/**
 * The app's storage calls for projects, in one small module: open the IndexedDB store once,
 * ask for persistent storage, and save/list/open/delete projects. Errors come back as UserErrors
 * (a full quota says so) and a failed save stores nothing.
 */
import { IdbStore, requestPersistence } from '../../core/store/idb';
import type { ProjectRecord } from '../../core/store/store';
import type { Example } from '../../core/dataset/example';
import type { DatasetReport } from '../../core/dataset/report';
import { countLabels } from '../../core/dataset/label-counts';
import { createProject as storeProject, intakeExamples } from '../../core/projects/projects';
import type { DataSource } from '../../core/projects/settings';
import { isLegacyShadow, LEGACY_SHADOW_SUFFIX } from '../../core/projects/synthesis';

let opening: Promise<IdbStore> | undefined;
let persisted: Promise<boolean> | undefined;

export function store(): Promise<IdbStore> {
  if (!opening) {
    opening = IdbStore.open();
    opening.catch(() => (opening = undefined)); // let a later call retry (e.g. after the user allows storage)
  }
  return opening;
}

/** Whether the browser agreed to keep this site's data under storage pressure (asked once). */
export function persistence(): Promise<boolean> {
  persisted ??= requestPersistence();
  return persisted;
}


export async function listProjects(): Promise<ProjectRecord[]> {
  // Earlier versions kept a synthesis run's bookkeeping in a project of its own: never the user's.
  return (await (await store()).listProjects()).filter((p) => !isLegacyShadow(p.id)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

export function dataSource(r: DatasetReport): DataSource {
  return { fileName: r.fileName, format: r.format, textColumn: r.columns.text, labelColumn: r.columns.label, accepted: r.accepted, rejected: r.rejected.length };
}

function newId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `p-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * A new project from parsed seeds (and optionally unlabeled texts), in one transaction: the
 * project appears in the list only with all its examples stored.
 */
export async function createProject(name: string, seeds: DatasetReport, unlabeled?: DatasetReport): Promise<ProjectRecord> {
  // A text that is both a seed and in the unlabeled file stays a seed only; the count is kept.
  const { examples, alsoLabeled } = intakeExamples(seeds.examples, unlabeled?.examples);
  const project = await storeProject(await store(), {
    id: newId(),
    name: name.trim() || seeds.fileName,
    labels: Object.keys(seeds.classes),
    examples,
    settings: { data: { seeds: dataSource(seeds), unlabeled: unlabeled ? { ...dataSource(unlabeled), alsoLabeled } : null } },
  });
  void persistence();
  return project;
}

export interface OpenedProject {
  project: ProjectRecord;
  seeds: Example[];
  unlabeledCount: number;
  /** Texts of the unlabeled file left out at upload because they are labeled examples too. */
  alsoLabeled: number;
  classes: Record<string, number>;
}

export async function openProject(id: string): Promise<OpenedProject | undefined> {
  const s = await store();
  const project = await s.getProject(id);
  if (!project) return undefined;
  const all = await s.listExamples(id, { source: 'seed' });
  // IndexedDB returns them in key (hash) order; show them as they were in the file. Validation and
  // test files' rows are the user's too, but not seeds (the Data step shows them apart).
  const seeds = all.filter((e) => e.label !== null && e.split === 'train').sort((a, b) => (a.provenance.row ?? 0) - (b.provenance.row ?? 0));
  const classes = countLabels(seeds.map((e) => e.label!), project.labels);
  return { project, seeds, unlabeledCount: all.filter((e) => e.split === 'unlabeled').length, alsoLabeled: project.settings.data?.unlabeled?.alsoLabeled ?? 0, classes };
}

export async function deleteProject(id: string): Promise<void> {
  await (await store()).deleteProject(id);
  await (await store()).deleteProject(id + LEGACY_SHADOW_SUFFIX); // an earlier version's run bookkeeping, if any
}
