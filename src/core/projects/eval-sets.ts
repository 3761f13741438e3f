/**
 * A project's validation and test sets, as the Data step shows and changes them: a file the user
 * uploads for either, or, without a validation file, 20% of each class held out by the one rule
 * (dataset/split.ts projectSplits). What the sets take out of training is told before anything
 * trains: labeled examples whose text is also a validation or test text (dataset/overlap.ts).
 */
import type { Example } from '../dataset/example.js';
import { NO_OVERLAP, type Overlap } from '../dataset/overlap.js';
import { projectSplits, type ValSource } from '../dataset/split.js';
import { UserError } from '../errors.js';
import { getLoopRun } from '../loop/checkpoint.js';
import type { Store } from '../store/store.js';
import type { DataSource } from './settings.js';

export type EvalSplit = 'val' | 'test';

/** Ids of uploaded examples carry their set, so a text in two files stays two examples. */
const uploadedPrefix = (split: EvalSplit) => `${split}-file:`;

export interface EvalSetInfo {
  /** Examples in the set (for validation held out by the rule: how many it holds out now). */
  count: number;
  /** The uploaded file, when there is one. */
  file?: DataSource;
}

export interface EvalSets {
  val: EvalSetInfo & { from: ValSource };
  test: EvalSetInfo;
  /** Labeled examples left out of training because their text is a validation or test text. */
  overlap: Overlap;
  /** Why the sets cannot train as they are (an overlap that empties a class), if they cannot. */
  problem?: string;
}

/** What the project's validation and test sets are now, and what they take out of training. */
export async function evalSets(store: Store, projectId: string): Promise<EvalSets> {
  const project = await store.getProject(projectId);
  if (!project) throw new UserError('no-project', 'There is no open project.', 'Open or create one on the Data step.');
  const all = await store.listExamples(projectId);
  const files = project.settings.evalFiles;
  const count = (split: EvalSplit) => all.filter((e) => e.split === split && e.label !== null).length;
  try {
    const s = projectSplits(all);
    return { val: { count: s.val.length, from: s.valFrom, file: files?.val }, test: { count: s.test.length, file: files?.test }, overlap: s.overlap };
  } catch (e) {
    // Too few examples to hold out, or an overlap that leaves a class nothing to train on: said, not thrown.
    return { val: { count: count('val'), from: 'project', file: files?.val }, test: { count: count('test'), file: files?.test }, overlap: { ...NO_OVERLAP }, problem: (e as Error).message };
  }
}

/**
 * Sets the project's validation or test set to a file's labeled examples (replacing an earlier
 * file's; examples the user moved there on the Review step stay). Refused, with nothing changed,
 * when a label is not one of the project's, when the file's texts would leave a class with nothing
 * to train on, or while a synthesis run of the project is unfinished (its sets must not change
 * under it).
 */
export async function setEvalSet(store: Store, projectId: string, split: EvalSplit, examples: readonly Example[], file: DataSource): Promise<EvalSets> {
  const project = await store.getProject(projectId);
  if (!project) throw new UserError('no-project', 'There is no open project.', 'Open or create one on the Data step.');
  await refuseDuringRun(store, projectId);
  const name = split === 'val' ? 'validation' : 'test';
  const labeled = examples.filter((e) => e.label !== null);
  if (!labeled.length) throw new UserError('no-examples', `${file.fileName} has no labeled examples.`, `A ${name} file needs a text and a label per row.`);
  const known = new Set(project.labels);
  const unknown = new Map<string, number>();
  for (const e of labeled) if (!known.has(e.label!)) unknown.set(e.label!, (unknown.get(e.label!) ?? 0) + 1);
  if (unknown.size) {
    const list = [...unknown].slice(0, 10).map(([l, n]) => `'${l}' (${n} row${n === 1 ? '' : 's'})`).join(', ');
    throw new UserError('label-not-in-project', `${file.fileName} has label${unknown.size === 1 ? '' : 's'} ${list}${unknown.size > 10 ? ', …' : ''} that the project does not have (${project.labels.map((l) => `'${l}'`).join(', ')}): the student could never predict ${unknown.size === 1 ? 'it' : 'them'}, so its ${name} scores would be wrong.`,
      'Remove those rows or correct their labels, then upload the file again.');
  }
  const prefix = uploadedPrefix(split);
  const all = await store.listExamples(projectId);
  const previous = all.filter((e) => e.id.startsWith(prefix));
  const incoming: Example[] = labeled.map((e) => ({ ...e, id: `${prefix}${e.id}`, split, provenance: { ...e.provenance, file: file.fileName } }));
  // Checked before anything is written: a file that is (mostly) the training data is refused here.
  const gone = new Set(previous.map((e) => e.id));
  projectSplits([...all.filter((e) => !gone.has(e.id)), ...incoming]);
  await store.putExamples(projectId, incoming);
  const stale = previous.filter((e) => !incoming.some((x) => x.id === e.id)).map((e) => e.id);
  if (stale.length) await store.deleteExamples(projectId, stale);
  await saveFile(store, projectId, split, file);
  return evalSets(store, projectId);
}

/** Takes an uploaded validation or test file out of the project (validation is then held out by the rule again). */
export async function removeEvalSet(store: Store, projectId: string, split: EvalSplit): Promise<EvalSets> {
  await refuseDuringRun(store, projectId);
  const prefix = uploadedPrefix(split);
  const ids = (await store.listExamples(projectId, { split })).filter((e) => e.id.startsWith(prefix)).map((e) => e.id);
  if (ids.length) await store.deleteExamples(projectId, ids);
  await saveFile(store, projectId, split, null);
  return evalSets(store, projectId);
}

async function saveFile(store: Store, projectId: string, split: EvalSplit, file: DataSource | null): Promise<void> {
  const p = await store.getProject(projectId);
  if (!p) return;
  const evalFiles = { ...p.settings.evalFiles };
  if (file) evalFiles[split] = file; else delete evalFiles[split];
  await store.putProject({ ...p, updatedAt: new Date().toISOString(), settings: { ...p.settings, evalFiles } });
}

async function refuseDuringRun(store: Store, projectId: string): Promise<void> {
  const saved = (await store.getProject(projectId))?.settings.synth;
  if (!saved || saved.stopped === 'cancelled') return;
  const run = await getLoopRun(store, saved.runId);
  if (run && !run.state.steps.includes('done')) {
    throw new UserError('run-unfinished', 'A synthesis run of this project is not finished, and it must keep the validation and test texts it started with to resume.',
      'Let it finish, or cancel it on the Synthesize step, then change the sets.');
  }
}
