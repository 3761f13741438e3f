/**
 * What a run's teacher made, brought into the project for good. The teacher writes its examples
 * into the project as it goes; when a round's synthesis is finished (or the run is stopped for
 * good) they are settled against what the project already holds:
 *   - a text the project already has labeled (a seed, an earlier round's or run's example, a
 *     validation or test text) is a duplicate and goes;
 *   - a text that is one of the project's unlabeled texts labels that row (annotation, or a
 *     generated text that happens to be one): the user's row becomes a labeled training example
 *     with the teacher's provenance, and the teacher's copy goes;
 *   - anything else stays, as a new labeled example.
 * The counts are read from the project after settling, so calling it again changes nothing and
 * says the same.
 */
import type { Example } from '../dataset/example.js';
import { sameTextKey } from '../dataset/hash.js';
import type { Store } from '../store/store.js';
import { isFromRun } from './prepare.js';

export interface Adopted {
  /** Teacher-made examples of these rounds now in the project. */
  added: number;
  /** The project's unlabeled texts these rounds labeled. */
  labeled: number;
  /** Both, by source (generated, annotated, extrapolated). */
  bySource: Record<string, number>;
}

const key = (e: Example) => sameTextKey(e.text);
const order = (a: Example, b: Example) => a.provenance.round - b.provenance.round || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Settles run `runId`'s examples of `rounds` (default: all) in the project; see above. */
export async function adoptRun(store: Store, projectId: string, runId: string, rounds?: readonly number[]): Promise<Adopted> {
  const inScope = (e: Example) => isFromRun(e, runId) && (!rounds || rounds.includes(e.provenance.round));
  const teacherRow = (e: Example) => e.id.startsWith(`${runId}:`);
  const all = await store.listExamples(projectId);
  const scope = all.filter(inScope).sort(order);
  const labeled = new Set(all.filter((e) => !inScope(e) && e.label !== null).map(key));
  // User rows an earlier call already labeled for this run.
  for (const e of scope) if (!teacherRow(e)) labeled.add(key(e));
  const unlabeled = new Map<string, Example>();
  for (const e of all) if (e.split === 'unlabeled' && !unlabeled.has(key(e))) unlabeled.set(key(e), e);

  const relabeled: Example[] = [];
  const gone: string[] = [];
  for (const e of scope) {
    if (!teacherRow(e)) continue;
    const k = key(e);
    if (labeled.has(k)) { gone.push(e.id); continue; }
    labeled.add(k);
    const u = unlabeled.get(k);
    if (!u) continue;
    unlabeled.delete(k);
    const { file, row } = u.provenance;
    relabeled.push({ ...u, label: e.label, split: 'train', provenance: { ...e.provenance, ...(file !== undefined ? { file } : {}), ...(row !== undefined ? { row } : {}) } });
    gone.push(e.id);
  }
  // Labels first: a crash in between leaves a duplicate the next call removes, never a lost label.
  if (relabeled.length) await store.putExamples(projectId, relabeled);
  if (gone.length) await store.deleteExamples(projectId, gone);

  const now = (await store.listExamples(projectId)).filter(inScope);
  const bySource: Record<string, number> = {};
  for (const e of now) bySource[e.provenance.source] = (bySource[e.provenance.source] ?? 0) + 1;
  const added = now.filter(teacherRow).length;
  return { added, labeled: now.length - added, bySource };
}
