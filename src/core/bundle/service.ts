import type { Store } from '../store/store.js';
import { UserError } from '../errors.js';
import { exportDataset, type DatasetFormat, type DatasetSelection } from './dataset-export.js';
import { readBundle } from './import.js';
import { openPredictor, type BundlePredictor, type Prediction, type PredictorOptions } from './predictor.js';
import { bundleInputFromStore, type FromStoreOptions } from './from-store.js';
import { isTransformerParts, writeBundle } from './export.js';
import { FILES } from './format.js';
import { zipFiles } from './zip.js';
import type { ImportedModel, ModelMeta } from '../student/model-meta.js';
import { importedSpec, TRANSFORMER_RECORD_FORMAT } from '../student/record.js';
import { modelChoices, type ModelChoices } from '../projects/models.js';

/**
 * The worker's `bundle` namespace: open a bundle and keep its predictor in the worker (the page
 * only sends texts and gets scores back), export the project's student, and build dataset
 * downloads. Plain data in and out, so Comlink can carry it.
 */

export interface OpenedBundle {
  handle: number;
  labels: string[];
  inputKind: string;
  studentKind: string | null;
  /** The model card (README.md) text. */
  card: string;
  examples: number;
  createdAt: string;
  bytes: number;
}

export interface BundleService {
  open(bytes: Uint8Array, fileName: string): Promise<OpenedBundle>;
  predict(handle: number, texts: string[]): Promise<Prediction[]>;
  close(handle: number): Promise<void>;
  /**
   * Makes a new project from a bundle: its labels, its data (with provenance) and its student as
   * the project's model, so training can continue where the bundle's run stopped.
   */
  importProject(bytes: Uint8Array, fileName: string): Promise<string>;
  /** The project's models the user may export, with the numbers each bundle would carry, and the default. */
  modelChoices(projectId: string): Promise<ModelChoices>;
  /** A model of the project (default: `modelChoices`' default) as bundle bytes. */
  exportProject(projectId: string, options?: Pick<FromStoreOptions, 'modelId'>): Promise<Uint8Array>;
  /** One file (JSONL, CSV) or a zip (HF layout) of the project's data. */
  exportDataset(projectId: string, format: DatasetFormat, which: DatasetSelection): Promise<{ name: string; bytes: Uint8Array; mime: string }>;
}

export function createBundleService(
  store: () => Promise<Store>,
  env: Omit<FromStoreOptions, 'modelId'> & Pick<PredictorOptions, 'embed'> = {},
): BundleService {
  const open = new Map<number, BundlePredictor>();
  let next = 1;
  return {
    async open(bytes, fileName) {
      const bundle = await readBundle(bytes, fileName);
      const predictor = await openPredictor(bundle, { embed: env.embed });
      const handle = next++;
      open.set(handle, predictor);
      return {
        handle,
        labels: bundle.labels,
        inputKind: bundle.inference.input.kind,
        studentKind: bundle.student?.kind ?? null,
        card: new TextDecoder().decode(bundle.files['README.md']),
        examples: bundle.examples.length,
        createdAt: bundle.manifest.createdAt,
        bytes: bytes.byteLength,
      };
    },
    async predict(handle, texts) {
      const p = open.get(handle);
      if (!p) throw new UserError('bundle-closed', 'This bundle is no longer open.', 'Open the bundle again.');
      return p.predict(texts);
    },
    async close(handle) {
      open.get(handle)?.dispose();
      open.delete(handle);
    },
    async importProject(bytes, fileName) {
      const bundle = await readBundle(bytes, fileName);
      const s = await store();
      const now = new Date().toISOString();
      const weightsFile = isTransformerParts(bundle.model) ? FILES.safetensors : FILES.weights;
      const id = `bundle-${bundle.manifest.files[weightsFile]!.sha256.slice(0, 12)}-${Date.now().toString(36)}`;
      const name = /^# (.+)$/m.exec(new TextDecoder().decode(bundle.files['README.md']))?.[1] ?? fileName.replace(/\.zip$/i, '');
      await s.putProject({ id, name, createdAt: now, updatedAt: now, labels: bundle.labels, settings: { importedFrom: fileName } });
      await s.putExamples(id, bundle.examples);
      // What export needs to write this student again as it came, and the spec it amounts to.
      const imported: ImportedModel = {
        fileName, inference: bundle.inference, vocab: bundle.inference.input.kind === 'token-ids' ? bundle.vocab : undefined,
        student: bundle.student && { kind: bundle.student.kind, hyperparameters: bundle.student.hyperparameters, spec: bundle.student.spec },
      };
      await s.putModel({
        id: `${id}-model`,
        projectId: id,
        createdAt: bundle.manifest.createdAt,
        meta: { spec: importedSpec(imported), imported, metrics: (bundle.metrics ?? {}) as ModelMeta['metrics'] },
        ...(isTransformerParts(bundle.model)
          ? { modelJson: { format: TRANSFORMER_RECORD_FORMAT, files: bundle.model.files }, weights: bundle.model.safetensors.slice().buffer }
          : { modelJson: { modelTopology: bundle.model.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: bundle.model.weightSpecs }] }, weights: bundle.model.weightData }),
      });
      return id;
    },
    async modelChoices(projectId) {
      return modelChoices(await store(), projectId);
    },
    async exportProject(projectId, options = {}) {
      const input = await bundleInputFromStore(await store(), projectId, { ...env, ...options });
      return writeBundle(input);
    },
    async exportDataset(projectId, format, which) {
      const s = await store();
      const project = await s.getProject(projectId);
      if (!project) throw new UserError('no-project', 'There is no open project to export data from.', 'Start on the Data step.');
      const examples = (await s.listExamples(projectId)).filter((e) => e.split !== 'unlabeled');
      const synthetic = examples.filter((e) => ['generated', 'annotated', 'extrapolated'].includes(e.provenance.source));
      if (which === 'synthetic' && synthetic.length === 0) {
        throw new UserError('no-synthetic', 'This project has no teacher-made examples yet.', 'Run the Synthesize step first.');
      }
      const files = exportDataset(examples, format, which, {
        name: `${project.name} (${which === 'synthetic' ? 'synthetic' : 'all'} data)`,
        labels: project.labels,
        teacherModel: synthetic.find((e) => e.provenance.teacherModel)?.provenance.teacherModel,
        createdAt: new Date().toISOString(),
      });
      const enc = new TextEncoder();
      if (format !== 'hf') {
        const [name, text] = Object.entries(files)[0];
        return { name, bytes: enc.encode(text), mime: format === 'csv' ? 'text/csv' : 'application/x-ndjson' };
      }
      const bytes = zipFiles(Object.fromEntries(Object.entries(files).map(([n, t]) => [n, enc.encode(t)])));
      return { name: `${which === 'synthetic' ? 'synthetic' : 'dataset'}-hf.zip`, bytes, mime: 'application/zip' };
    },
  };
}
