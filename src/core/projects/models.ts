/**
 * The models a project can export, as the Export step offers them: each Train-step model and each
 * round of each synthesis run, with the scores it was recorded with (the numbers its bundle will
 * carry: bundle/from-store.ts reads the same records), newest first; the default is the one
 * `bundleInputFromStore` takes when none is named.
 */
import { defaultModel } from '../bundle/from-store.js';
import type { LoopState } from '../loop/state.js';
import { modelMeta } from '../student/record.js';
import type { StoredMetrics } from '../student/metrics.js';
import type { StudentKind } from '../student/spec.js';
import type { ModelRecord, Store } from '../store/store.js';

export interface ModelChoice {
  modelId: string;
  /** Made by the Train step (or `distillery train`), a synthesis run's round, or imported with a bundle. */
  from: 'train-step' | 'synthesis-round' | 'imported';
  /** For a round: its number, and whether the run kept it (best on the selection half). */
  round?: number;
  kept?: boolean;
  createdAt: string;
  /** What kind of student it is (the word model, a head, the fine-tuned transformer), where its record says. */
  student?: StudentKind;
  val?: StoredMetrics;
  test?: StoredMetrics;
}

function kindOf(m: ModelRecord): StudentKind | undefined {
  try {
    return modelMeta(m).spec.kind;
  } catch {
    return undefined; // a record too old to name its spec
  }
}

export interface ModelChoices {
  choices: ModelChoice[];
  /** What Export takes unless the user picks another. */
  defaultId?: string;
}

export async function modelChoices(store: Store, projectId: string): Promise<ModelChoices> {
  const models = await store.listModels(projectId);
  const runs: LoopState[] = (await store.listRuns(projectId)).flatMap((r) => (r.kind === 'loop' ? [r.state] : []));
  const roundOf = new Map<string, { state: LoopState; round: LoopState['rounds'][number] }>();
  for (const state of runs) for (const round of state.rounds) if (round.modelId) roundOf.set(round.modelId, { state, round });
  const choices: ModelChoice[] = [];
  for (const m of models) {
    const r = roundOf.get(m.id);
    if (r) {
      // A round trained but not yet scored (a run cut off) has no numbers to carry: not offered.
      if (!r.round.val) continue;
      choices.push({ modelId: m.id, from: 'synthesis-round', round: r.round.round, kept: r.state.finalRound === r.round.round, createdAt: m.createdAt, student: kindOf(m), val: r.round.val, test: r.round.test });
    } else if (!m.runId) {
      const meta = modelMeta(m);
      choices.push({ modelId: m.id, from: meta.imported ? 'imported' : 'train-step', createdAt: m.createdAt, student: meta.spec.kind, val: meta.metrics?.val, test: meta.metrics?.test });
    }
  }
  choices.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (b.round ?? 0) - (a.round ?? 0));
  const offered = new Set(choices.map((c) => c.modelId));
  const d = defaultModel(models.filter((m) => offered.has(m.id)), runs);
  return { choices, defaultId: d?.id };
}
