import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { writeRunBundle } from '../../core/bundle/write-node.js';
import { NodeStore } from '../../core/store/node.js';
import { checkWritableTarget } from '../../core/store/atomic-write-node.js';
import { parseCommandArgs, printSummary, requireOption } from '../args.js';

export const usage = `Usage: distillery export --run DIR --out FILE.zip [--model ID] [--vectors DIR]

Makes a student bundle from a finished run folder (the --out folder of \`distillery train\` or
\`distillery run\`): the kept student, its recorded metrics, its model card, the seeds and
synthetic data with provenance, and distillery-student.mjs to run it with @tensorflow/tfjs.
The last stdout line is {"bundle", "bytes", "labels", "student", "examples"}.

  --run DIR       the run folder (it holds store/)
  --out FILE.zip  where to write the bundle
  --model ID      a specific model of the run (default: the round the run kept)
  --vectors DIR   the word-vector asset for GloVe students (default: public/vectors/)`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    run: { type: 'string' },
    out: { type: 'string' },
    model: { type: 'string' },
    vectors: { type: 'string' },
  }, usage);
  const dir = requireOption(values.run, '--run', usage);
  const out = requireOption(values.out, '--out', usage);
  await checkWritableTarget(out).catch((e) => {
    // The one case worth a concrete suggestion: a folder given where the .zip should go.
    if ((e as { code?: string }).code === 'is-a-folder') {
      throw new UserError('is-a-folder', `--out ${out} is a folder.`, `Give the bundle's file name, e.g. --out ${join(out, 'distillery-student.zip')}.`);
    }
    throw e;
  });
  const storeDir = join(dir, 'store');
  try {
    if (!(await stat(storeDir)).isDirectory()) throw new Error();
  } catch {
    throw new UserError('no-run', `${dir} is not a Distillery run folder (it has no store/).`, 'Give the --out folder of `distillery train` or `distillery run`.');
  }
  const store = await NodeStore.open(storeDir);
  try {
    const projects = await store.listProjects();
    if (!projects.length) throw new UserError('no-run', `The run folder ${dir} has no project in it.`, 'Give the --out folder of a finished run.');
    const { bytes, input } = await writeRunBundle(store, projects[projects.length - 1].id, out, { modelId: values.model, vectorsDir: values.vectors });
    process.stderr.write(`wrote ${out} (${(bytes / 1024 / 1024).toFixed(2)} MB)\n`);
    printSummary({ bundle: out, bytes, labels: input.labels, student: input.student.kind, examples: input.examples.length });
  } finally {
    await store.close();
  }
  return 0;
}
