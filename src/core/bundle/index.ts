/**
 * The student bundle: export, import and the data downloads.
 *
 * For `train` / `run` (CLI), once the kept student is in the run's store (`<out>/store`):
 *
 *     import { writeRunBundle, BUNDLE_FILE_NAME } from '../../core/bundle/write-node.js';
 *     await writeRunBundle(store, projectId, join(out, BUNDLE_FILE_NAME));
 *
 * It picks the loop's kept round (the loop run's state.rounds[finalRound].modelId), else the newest
 * ModelRecord; its metrics come from that round's record (else the record's meta.metrics = {val,
 * test}); the student's input is read from the record's typed meta (student/record.ts modelMeta:
 * the StudentSpec, or the inference spec a bundle it came in had; student-input.ts is the one
 * place that maps it to the bundle's InputSpec).
 *
 * Anywhere else: build a `BundleInput` from the trained student and the run's record, then
 *
 *     const zip: Uint8Array = await writeBundle(input, { signal, onProgress });
 *     await writeFile(join(outDir, 'distillery-student.zip'), zip);   // Node; the app downloads it
 *
 * `input` holds: `labels`; `model` (tfjs ModelArtifacts parts: modelTopology, weightSpecs,
 * weightData — from `model.save(tf.io.withSaveHandler(async a => …))`); `input` (how texts become
 * the model input: token ids over `vocab`, mean word vectors over `vocab` + `vectors`, or a
 * sentence encoder's id and revision — see `InputSpec` in format.ts); `output` ('softmax' or
 * 'logits'); `student` ({kind, hyperparameters, spec: the core StudentSpec}); `metrics` ({val,
 * test} metrics records — the model card is printed from them); `examples` (seeds and synthetic,
 * with provenance); `teacher` ({model, baseUrl} — never a key: anything key-like is removed);
 * `promptTemplates`; `createdAt`.
 *
 * `readBundle(bytes)` opens and verifies one (distinct UserError codes per kind of damage), and
 * `openPredictor(bundle)` classifies texts with it (predictor.ts; imports tfjs). `exportDataset`
 * writes the data alone as JSONL, CSV or the Hugging Face layout.
 */
export { writeBundle, buildBundleFiles, type BundleInput, type ModelParts } from './export.js';
export { readBundle, type Bundle } from './import.js';
export { exportDataset, toCsv, toJsonl, toHfDataset, selectExamples, type DatasetFormat, type DatasetSelection } from './dataset-export.js';
export { renderModelCard, formatMetric } from './model-card.js';
export { zipFiles, unzipFiles } from './zip.js';
export { sha256Hex } from './manifest.js';
export { BUNDLE_FORMAT_VERSION, FILES, type InferenceSpec, type InputSpec, type BundleManifest } from './format.js';
