/**
 * Node side of the sentence encoder: a model folder on disk becomes a `local` ModelSource, with a
 * fingerprint of its weights so the embedding cache never mixes two different models that happen
 * to share a folder name. Kept apart from `sentence.ts` so browser bundles never pull in `node:fs`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { checkModelFolder, type Dtype, type ModelSource } from './sentence.js';

const DTYPE_FILE: Record<Dtype, string> = { fp32: 'model.onnx', fp16: 'model_fp16.onnx', q8: 'model_quantized.onnx' };

export async function localModelSource(dir: string, dtype?: Dtype): Promise<{ source: ModelSource; dtype: Dtype }> {
  const abs = resolve(dir);
  let paths: string[];
  try {
    const top = await readdir(abs);
    const onnx = top.includes('onnx') ? (await readdir(join(abs, 'onnx'))).map((f) => `onnx/${f}`) : [];
    paths = [...top, ...onnx];
  } catch {
    throw new UserError('model-folder-missing', `The model folder ${abs} does not exist or cannot be read.`,
      'Give the path of a folder with config.json, tokenizer.json, tokenizer_config.json and onnx/.');
  }
  const chosen = checkModelFolder(paths, dtype);
  const weights = join(abs, 'onnx', DTYPE_FILE[chosen]);
  const h = createHash('sha256');
  h.update(String((await stat(weights)).size));
  for await (const chunk of createReadStream(weights)) h.update(chunk as Buffer);
  return { source: { kind: 'local', path: abs, fingerprint: h.digest('hex').slice(0, 16) }, dtype: chosen };
}
