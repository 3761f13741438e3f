/**
 * The data a run works on. A run reads its roles from a project in the store (the app's own
 * project; in the CLI, one made from the files): the real labeled examples (seeds, or added by a
 * person) are its seeds, validation and test, by the one validation rule (dataset/split.ts); the
 * unlabeled ones are its pool for annotation. Teacher-made examples, its own or an earlier run's,
 * are never its seeds. It writes what the teacher makes into the same project.
 */
import type { Example, Split } from '../dataset/example.js';
import { textHash } from '../dataset/hash.js';
import type { Overlap } from '../dataset/overlap.js';
import { projectSplits } from '../dataset/split.js';
import { UserError } from '../errors.js';
import { createProject } from '../projects/projects.js';
import type { Store } from '../store/store.js';
import type { LoopConfig } from './config.js';
import type { LoopData } from './validate.js';

/** Copies of the examples with their role in a run, ids prefixed so two files cannot collide. */
export function asSplit(examples: Example[], split: Split, prefix: string): Example[] {
  return examples.map((e) => ({ ...e, id: `${prefix}:${e.id}`, split, provenance: { ...e.provenance } }));
}

/** A fingerprint of the inputs, so a resume with different files is refused instead of mixed. */
export function dataFingerprint(parts: (Example[] | undefined)[]): string {
  return textHash(parts.map((xs) => (xs ?? []).map((e) => `${e.label ?? ''}\u0001${e.text}`).join('\u0002')).join('\u0003'));
}

const byId = (a: Example, b: Example) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const isReal = (e: Example) => e.provenance.source === 'seed' || e.provenance.source === 'human';

/** Whether the example was made (or labeled) by the teacher in run `runId`. */
export function isFromRun(e: Example, runId: string): boolean {
  return e.provenance.requestId?.startsWith(`${runId}:`) ?? false;
}

/**
 * The run's roles in its project, each in a stable (id) order: seeds and validation from the
 * project's real labeled examples (validation held out by the one rule when the project has
 * none), test, and the unlabeled pool. Seeds whose text is a validation or test text are not
 * seeds (`overlap` counts them): the student never trains on what it is scored on.
 */
export async function loopRoles(store: Store, projectId: string): Promise<LoopData & { labels: string[]; overlap: Overlap }> {
  const project = await store.getProject(projectId);
  if (!project) throw new UserError('no-project', `There is no project ${projectId} to run on.`, 'Open or create the project first.');
  const all = await store.listExamples(projectId);
  const s = projectSplits(all.filter((e) => e.label !== null && isReal(e)));
  const unlabeled = all.filter((e) => e.split === 'unlabeled').sort(byId);
  return {
    seeds: s.train.sort(byId), val: s.val.length ? s.val.sort(byId) : undefined, test: s.test.length ? s.test.sort(byId) : undefined,
    unlabeled: unlabeled.length ? unlabeled : undefined, labels: project.labels, overlap: s.overlap,
  };
}

/**
 * The CLI's (and the tests') way in: a project made from a run's files, once. On a rerun the same
 * files find it as they left it; other files are refused rather than mixed into it.
 */
export async function prepareLoopProject(store: Store, config: Pick<LoopConfig, 'projectId' | 'runId'>, data: LoopData): Promise<void> {
  const inputs = dataFingerprint([data.seeds, data.val, data.test, data.unlabeled]);
  const existing = await store.getProject(config.projectId);
  if (existing) {
    if (existing.settings.inputs !== inputs) {
      throw new UserError('run-changed', `The run '${config.runId}' in this store was started with different settings or files.`, 'Run the same command as before to resume it, or use a new output folder for a new run.');
    }
    return;
  }
  await createProject(store, {
    id: config.projectId, name: config.runId, settings: { inputs }, labels: data.labels,
    examples: [
      ...asSplit(data.seeds, 'train', 'seed'),
      ...asSplit(data.val ?? [], 'val', 'val'),
      ...asSplit(data.test ?? [], 'test', 'test'),
      ...asSplit(data.unlabeled ?? [], 'unlabeled', 'unl').map((e) => ({ ...e, label: null })),
    ],
  });
}
