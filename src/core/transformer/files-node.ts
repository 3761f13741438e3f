/**
 * A model folder on disk (the CLI, benchmarks, tests). Kept apart from files.ts so browser
 * bundles never pull in node:fs.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { ModelFiles } from './files.js';

export async function dirFiles(dir: string): Promise<ModelFiles> {
  const abs = resolve(dir);
  const st = await stat(abs).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new UserError('model-folder-missing', `The model folder ${abs} does not exist.`,
      'Run `npm run models` to install all-MiniLM-L6-v2, or give the path of a folder with config.json, tokenizer.json and model.safetensors.');
  }
  return {
    where: `the folder ${abs}`,
    origin: { from: 'local' },
    async read(path, o = {}) {
      try {
        const bytes = new Uint8Array(await readFile(join(abs, path), { signal: o.signal }));
        o.onProgress?.({ phase: 'download', done: bytes.length, total: bytes.length, detail: { file: path } });
        return bytes;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
  };
}
