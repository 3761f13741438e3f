/**
 * A stored model as the plain files `train` and `run` leave in their folder: `model.json` (tfjs
 * layers format, weights in `weights.bin`; its `distillery` key holds the student's spec and
 * recorded metrics), `weights.bin`, `student.json` (the spec) and `metrics.json`, each written
 * atomically (the one atomic write, store/atomic-write-node.ts), the weights first. A fine-tuned
 * transformer is written as a Hugging Face folder instead: `model.safetensors` (the BERT's weights
 * under their usual names plus `classifier.weight`/`classifier.bias`), `config.json`,
 * `tokenizer.json`, `tokenizer_config.json`, beside `student.json` and `metrics.json`.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic as writeFile } from '../core/store/atomic-write-node.js';
import type { ModelRecord } from '../core/store/store.js';
import { layersArtifacts, modelMeta, TRANSFORMER_RECORD_FORMAT, transformerFiles } from '../core/student/record.js';

export async function writeModelFiles(record: ModelRecord, dir: string, extra: Record<string, unknown> = {}): Promise<void> {
  const meta = modelMeta(record);
  const json = (v: unknown) => JSON.stringify(v, null, 1);
  await mkdir(dir, { recursive: true });
  const transformer = (record.modelJson as { format?: string }).format === TRANSFORMER_RECORD_FORMAT;
  if (transformer) {
    const files = transformerFiles(record);
    await writeFile(join(dir, 'model.safetensors'), new Uint8Array(record.weights));
    await writeFile(join(dir, 'config.json'), json(files.config));
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(files.tokenizer));
    await writeFile(join(dir, 'tokenizer_config.json'), json(files.tokenizerConfig));
  } else {
    const { modelTopology, weightSpecs } = layersArtifacts(record);
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(record.weights));
    await writeFile(join(dir, 'model.json'), JSON.stringify({
      format: 'layers-model', modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }],
      distillery: { spec: meta.spec, metrics: meta.metrics, ...extra },
    }));
  }
  await writeFile(join(dir, 'student.json'), json(meta.spec));
  // (A layers model keeps `extra`, e.g. the loop round it comes from, in model.json; a transformer here.)
  await writeFile(join(dir, 'metrics.json'), json({ ...meta.metrics, training: meta.training, ...(transformer ? extra : {}) }));
}
