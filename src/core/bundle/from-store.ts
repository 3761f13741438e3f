import type { Example } from '../dataset/example.js';
import { UserError } from '../errors.js';
import type { LoopState, RoundRecord } from '../loop/state.js';
import type { ModelRecord, Store } from '../store/store.js';
import type { VectorSource } from '../encode/word-vectors.js';
import type { BundleInput } from './export.js';
import { studentInput } from './student-input.js';
import { layersArtifacts, modelMeta, transformerFiles } from '../student/record.js';

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
  const models = (await store.listModels(projectId)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const chosen = defaultModel(models, runs.map((r) => r.state));
  if (!chosen) throw new UserError('no-model', 'This project has no trained student to export yet.', 'Train a student (Train step, or `distillery train/run`) first.');
  return { model: chosen, ...roundOf(chosen.id) };
}

/**
 * The model a project exports unless one is named: the newer of the latest run's kept round and
 * the latest model trained outside a run (the Train step, `distillery train`, an imported bundle).
 * A run's other rounds are exported only when named (or when there is nothing else).
 */
export function defaultModel(models: readonly ModelRecord[], runs: readonly LoopState[]): ModelRecord | undefined {
  const newest = (xs: readonly ModelRecord[]) => [...xs].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  const roundIds = new Set(runs.flatMap((s) => s.rounds.map((r) => r.modelId).filter((id): id is string => !!id)));
  const keptIds = new Set(runs.flatMap((s) => s.rounds.filter((r) => r.round === s.finalRound && r.modelId).map((r) => r.modelId!)));
  // A run still going has no kept round yet: then its newest round, rather than nothing.
  return newest([...models.filter((m) => keptIds.has(m.id)), ...models.filter((m) => !roundIds.has(m.id) && !m.runId)]) ?? newest(models);
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
    model: meta.spec.kind === 'transformer'
      ? { safetensors: new Uint8Array(model.weights), files: transformerFiles(model) }
      : { ...layersArtifacts(model), weightData: model.weights },
    input: described.input,
    output: described.output,
    vocab: described.vocab,
    vectors: described.vectors,
    student: described.student,
    metrics: round && state
      ? { val: round.val, test: round.test, overlap: state.overlap, validation: state.validation, model: { from: 'synthesis-round', round: round.round, rounds: state.rounds.length } }
      : { val: metaMetrics.val, test: metaMetrics.test, overlap: meta.training?.overlap, droveLeftOut: meta.training?.droveLeftOut, ...(meta.training ? { model: { from: 'train-step' as const } } : {}) },
    examples,
    teacher: teacherModel ? { model: teacherModel } : undefined,
    promptTemplates: templatesOf(examples),
    createdAt: model.createdAt,
  };
}
