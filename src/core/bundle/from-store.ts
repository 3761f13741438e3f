import type { Example } from '../dataset/example.js';
import { UserError } from '../errors.js';
import type { LoopState, RoundRecord } from '../loop/state.js';
import type { ModelRecord, Store } from '../store/store.js';
import type { VectorSource } from '../encode/word-vectors.js';
import type { BundleInput } from './export.js';
import { studentInput } from './student-input.js';
import { layersArtifacts, modelMeta } from '../student/record.js';

/**
 * Builds a BundleInput from what a run left in a store (IndexedDB in the app, `<out>/store` for
 * the CLI): the kept student, its metrics as the run recorded them, the project's labeled data.
 */

export interface FromStoreOptions {
  /** A specific model; default: the loop's kept round, else the newest model. */
  modelId?: string;
  /** Where to read the word-vector table for GloVe students (app: the served asset; CLI: disk). */
  vectors?: VectorSource;
}

async function chooseModel(store: Store, projectId: string, modelId?: string): Promise<{ model: ModelRecord; round?: RoundRecord; state?: LoopState }> {
  const runs = (await store.listRuns(projectId)).filter((r) => r.kind === 'loop').sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  const roundOf = (id: string) => {
    for (const { state } of runs) {
      const round = state.rounds.find((x) => x.modelId === id);
      if (round) return { round, state };
    }
    return {};
  };
  if (modelId) {
    const model = await store.getModel(modelId);
    if (!model) throw new UserError('no-model', `There is no model ${modelId} in this project.`, 'Train a student first.');
    return { model, ...roundOf(modelId) };
  }
  for (const { state } of runs) {
    const kept = state.rounds.find((x) => x.round === state.finalRound && x.modelId);
    if (kept?.modelId) {
      const model = await store.getModel(kept.modelId);
      if (model) return { model, round: kept, state };
    }
  }
  const models = (await store.listModels(projectId)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (!models.length) throw new UserError('no-model', 'This project has no trained student to export yet.', 'Train a student (Train step, or `distillery train/run`) first.');
  return { model: models[0], ...roundOf(models[0].id) };
}

function templatesOf(examples: Example[]): { id: string; description?: string }[] {
  const seen = new Map<string, string | undefined>();
  for (const e of examples) {
    const p = e.provenance;
    if (p.promptTemplate && !seen.has(p.promptTemplate)) seen.set(p.promptTemplate, p.strategy ? `${p.strategy} strategy` : undefined);
  }
  return [...seen].map(([id, description]) => ({ id, description }));
}

export async function bundleInputFromStore(store: Store, projectId: string, opts: FromStoreOptions = {}): Promise<BundleInput> {
  const project = await store.getProject(projectId);
  if (!project) throw new UserError('no-project', `There is no project ${projectId} in this store.`, 'Check the run folder or open the project again.');
  const { model, round, state } = await chooseModel(store, projectId, opts.modelId);
  const meta = modelMeta(model);
  const described = await studentInput(meta, opts.vectors);
  // Test examples stay out: they are the user's held-out check, not training data.
  const examples = (await store.listExamples(projectId)).filter((e) => e.label !== null && (e.split === 'train' || e.split === 'val'));
  const metaMetrics = meta.metrics ?? {};
  // The run's own teacher; a project without a run names the model its teacher examples came from.
  const teacherModel = state?.config.teacherModel ?? examples.find((e) => e.provenance.teacherModel)?.provenance.teacherModel;
  return {
    name: project.name,
    task: project.settings.task,
    labels: described.labels,
    model: { ...layersArtifacts(model), weightData: model.weights },
    input: described.input,
    output: described.output,
    vocab: described.vocab,
    vectors: described.vectors,
    student: described.student,
    metrics: { val: round?.val ?? metaMetrics.val, test: round?.test ?? metaMetrics.test },
    examples,
    teacher: teacherModel ? { model: teacherModel } : undefined,
    promptTemplates: templatesOf(examples),
    createdAt: model.createdAt,
  };
}
