import type { Example, Source } from '../dataset/example.js';
import type { StoredMetrics } from '../student/metrics.js';
import type { InputSpec } from './format.js';
import { mdCode, mdText } from './markdown.js';

/**
 * The bundle's README.md: what the student does, how well, on what data, and its limits. Every
 * number is printed from the same metrics object that metrics.json holds, with `formatMetric`,
 * so the card cannot drift from the run's record (tests parse the card back and compare).
 */

export interface ModelCardInput {
  name: string;
  task?: string;
  labels: string[];
  metrics: { val?: StoredMetrics; test?: StoredMetrics };
  examples: Example[];
  teacherModel?: string;
  promptTemplates?: { id: string; description?: string }[];
  studentKind: string;
  hyperparameters: Record<string, unknown>;
  input: InputSpec;
  createdAt: string;
}

/** Four decimals: the precision the card prints every metric with. */
export function formatMetric(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(4);
}

const SOURCES: Source[] = ['seed', 'human', 'generated', 'annotated', 'extrapolated'];

export function countsBySource(examples: Example[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of examples) {
    if (e.label === null) continue;
    out[e.provenance.source] = (out[e.provenance.source] ?? 0) + 1;
  }
  return out;
}

function encoderLine(input: InputSpec): string {
  switch (input.kind) {
    case 'token-ids':
      return `word tokens (Distillery tokenizer) → ${input.vocabSize.toLocaleString('en-US')}-word vocabulary → ids, ${input.maxLen} tokens (${input.padding}-padded), embedding trained inside the model`;
    case 'word-vectors-pool':
      return `${input.pooling} pooling of ${input.dim}-d word vectors (Distillery tokenizer) over a ${input.vocabSize.toLocaleString('en-US')}-word table, included as vocab.txt + vectors.bin`;
    case 'sentence-embedding':
      return `pretrained sentence encoder ${mdCode(input.model)} (revision ${mdCode(input.revision)}), ${input.pooling} pooling${input.normalize ? ', L2-normalised' : ''}, ${input.dim}-d, at most ${input.maxTokens} word pieces; its weights (model.safetensors${input.weightsSha256 ? `, sha256 ${mdCode(input.weightsSha256.slice(0, 16))}…` : ''}) are read from the Hugging Face hub or a local copy at load time and run with TensorFlow.js`;
  }
}

function metricsSection(title: string, m: StoredMetrics | undefined): string[] {
  if (!m) return [`### ${title}`, '', 'Not measured in this run.', ''];
  return [
    `### ${title} (${m.n} examples)`,
    '',
    `- accuracy: ${formatMetric(m.accuracy)}`,
    `- macro-F1: ${formatMetric(m.macroF1)}`,
    `- expected calibration error: ${formatMetric(m.ece ?? null)}`,
    '',
    '| label | precision | recall | F1 | support |',
    '|---|---|---|---|---|',
    ...m.perClass.map((c) => `| ${mdText(c.label)} | ${formatMetric(c.precision)} | ${formatMetric(c.recall)} | ${formatMetric(c.f1)} | ${c.support} |`),
    '',
  ];
}

export function renderModelCard(c: ModelCardInput): string {
  const counts = countsBySource(c.examples);
  const splits = new Map<string, number>();
  for (const e of c.examples) if (e.label !== null) splits.set(e.split, (splits.get(e.split) ?? 0) + 1);
  const hp = Object.entries(c.hyperparameters).map(([k, v]) => `\`${k}\`: ${JSON.stringify(v)}`).join(', ');
  return [
    '---',
    'library_name: tensorflowjs',
    'pipeline_tag: text-classification',
    'tags:',
    '- distillery',
    '- knowledge-distillation',
    '---',
    '',
    `# ${mdText(c.name)}`,
    '',
    c.task ? `${mdText(c.task)}\n` : '',
    `A small text classifier distilled by Distillery from a teacher LLM${c.teacherModel ? ` (${mdCode(c.teacherModel)})` : ''}. Created ${c.createdAt}.`,
    '',
    '## Labels',
    '',
    ...c.labels.map((l, i) => `${i}. ${mdCode(l)}`),
    '',
    '## Model',
    '',
    `- student: \`${c.studentKind}\`${hp ? ` (${hp})` : ''}`,
    `- input: ${encoderLine(c.input)}`,
    '- files: `model.json` + `weights.bin` (TensorFlow.js layers format), `inference.json` (preprocessing), `labels.json`',
    '',
    '## Metrics',
    '',
    'Validation examples come from the user\'s seeds and drove model selection (early stopping, S3 error rounds); the test set, where there is one, never did.',
    '',
    ...metricsSection('Validation', c.metrics.val),
    ...metricsSection('Test', c.metrics.test),
    'Full numbers: `metrics.json`.',
    '',
    '## Training data',
    '',
    '| source | examples |',
    '|---|---|',
    ...SOURCES.filter((s) => counts[s]).map((s) => `| ${s} | ${counts[s]} |`),
    '',
    `By split: ${[...splits].map(([s, n]) => `${s} ${n}`).join(', ') || 'none'}. The data is in \`data/train.jsonl\` and \`data/train.csv\`, each example with its provenance (source, round, teacher model, strategy, prompt template).`,
    '',
    `Teacher model: ${c.teacherModel ? mdCode(c.teacherModel) : 'none recorded'}.`,
    '',
    'Prompt templates used:',
    '',
    ...(c.promptTemplates?.length ? c.promptTemplates.map((p) => `- ${mdCode(p.id)}${p.description ? `: ${mdText(p.description)}` : ''}`) : ['- none recorded']),
    '',
    '## Use',
    '',
    'Node (needs only `npm install @tensorflow/tfjs`' + (c.input.kind === 'sentence-embedding' ? ' `@huggingface/tokenizers`' : '') + '):',
    '',
    '```js',
    "import { load } from './distillery-student.mjs';",
    "const student = await load(new URL('.', import.meta.url)); // or a folder path, or an http(s) URL in a browser",
    "const results = await student.predict(['first text', 'second text']);",
    '// → [{ label: "…", scores: { label: probability, … } }, …]',
    '```',
    '',
    'Or run `node example.mjs "a text"`. In a browser, serve the unzipped folder and `load(\'https://…/bundle/\')`.',
    '',
    '## Intended use and limits',
    '',
    `- Classifies short texts into the ${c.labels.length} labels above, for the task the seeds describe. It knows nothing outside them: every text gets one of these labels, however unrelated.`,
    '- Most training texts were written or labeled by an LLM: they carry its biases and blind spots, and can be less varied than real data.',
    '- The metrics come from a small validation set (and a test set, if given); check the model on your own real data before relying on it, and do not use it for decisions about people without human review.',
    '- Scores are softmax probabilities; the expected calibration error above says how far they are from real frequencies.',
    '',
  ].join('\n');
}
