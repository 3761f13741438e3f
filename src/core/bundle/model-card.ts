import type { Example, Source } from '../dataset/example.js';
import { overlapTotal } from '../dataset/overlap.js';
import { accuracyInterval, BOOTSTRAP_DRAWS } from '../student/intervals.js';
import type { SetRole, StoredMetrics } from '../student/metrics.js';
import type { BundleMetrics } from './export.js';
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
  metrics: BundleMetrics;
  examples: Example[];
  teacherModel?: string;
  promptTemplates?: { id: string; description?: string }[];
  studentKind: string;
  hyperparameters: Record<string, unknown>;
  input: InputSpec;
  /** Size of the model's weights file(s). */
  weightsBytes?: number;
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
    case 'transformer':
      return `word pieces (the model's own tokenizer, \`${input.tokenizerFile}\`), at most ${input.maxTokens} per text → the fine-tuned transformer → ${input.pooling === 'cls' ? '[CLS] vector' : 'mean over the tokens'} → a dense layer → softmax`;
  }
}

const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 1e6).toFixed(1)} MB`);

/** A fine-tuned transformer: what it was fine-tuned from, under which license, how big. */
function baseModelSection(input: InputSpec, weightsBytes?: number): string[] {
  if (input.kind !== 'transformer') return [];
  const b = input.base;
  const hub = !b.model.startsWith('local:') && !/^https?:/.test(b.model);
  return [
    '## Base model',
    '',
    `- fine-tuned from: ${mdCode(b.name)}${hub ? ` (https://huggingface.co/${b.model}, revision ${mdCode(b.revision)})` : ` (${mdCode(b.model)})`}, weights sha256 ${mdCode(b.weightsSha256.slice(0, 16))}…`,
    `- license of the base model: ${b.license ? mdText(b.license) : 'not recorded: check the base model\'s own terms before you share this model'}; the fine-tuned weights in \`${input.weightsFile}\` are a derivative work of it${b.license ? ', so keep its license notice with them' : ''}`,
    `- size: ${b.parameters.toLocaleString('en-US')} parameters, ${mb(weightsBytes)} of float32 weights (every layer fine-tuned or kept as pretrained, and a new ${input.pooling}-pooled classification head)`,
    '',
  ];
}

const range = (r: [number, number]) => `${formatMetric(r[0])}–${formatMetric(r[1])}`;

function metricsSection(title: string, m: StoredMetrics | undefined, what: string): string[] {
  if (!m) return [`### ${title}`, '', 'Not measured in this run.', ''];
  const f1 = m.intervals?.macroF1;
  return [
    `### ${title} (${m.n} texts)`,
    '',
    what,
    '',
    `- accuracy: ${formatMetric(m.accuracy)} (95% interval ${range(accuracyInterval(m))}, Wilson)`,
    `- macro-F1: ${formatMetric(m.macroF1)}${f1 ? ` (95% interval ${range(f1)}, bootstrap over the texts, ${BOOTSTRAP_DRAWS.toLocaleString('en-US')} draws)` : ''}`,
    `- expected calibration error: ${formatMetric(m.ece ?? null)}`,
    '',
    '| label | precision | recall | F1 | support |',
    '|---|---|---|---|---|',
    ...m.perClass.map((c) => `| ${mdText(c.label)} | ${formatMetric(c.precision)} | ${formatMetric(c.recall)} | ${formatMetric(c.f1)} | ${c.support} |`),
    '',
  ];
}

/** The role of the set `val` holds: recorded with it, else what the model's source implies. */
function valRole(m: BundleMetrics): SetRole {
  return m.val?.set?.role ?? (m.validation ? 'selection' : 'validation');
}

function valTitle(m: BundleMetrics): string {
  return valRole(m) === 'selection' ? 'Validation, selection half' : 'Validation';
}

function valWhat(m: BundleMetrics): string {
  const round = m.model?.from === 'synthesis-round' ? ` (round ${m.model.round}, of rounds 0–${m.model.rounds - 1})` : '';
  if (valRole(m) === 'selection') {
    return `Chose each student's training epoch and which round is kept${round}; never shown to the teacher. Chosen on, so this score is optimistic.`;
  }
  if (m.model?.from === 'synthesis-round') {
    return 'Chose the epoch and the round, and (this run started before validation was split) its errors also drove the extrapolation rounds: the score is optimistic, the test score is the one to trust.';
  }
  return 'Chose the training epoch the model keeps (early stopping), so this score is slightly optimistic.';
}

function scoresIntro(m: BundleMetrics): string[] {
  const out: string[] = [];
  if (m.validation) {
    out.push(`Validation was split in two: the student's errors on ${m.validation.extrapolation} texts were sent to the teacher, which wrote new examples like them (S3's error extrapolation), so the student's score there rises whether or not it got better and is not reported; the other ${m.validation.selection} texts were never shown to the teacher and made every choice.`, '');
  }
  if (m.droveLeftOut) {
    out.push(`${m.droveLeftOut} validation text${m.droveLeftOut === 1 ? ' was' : 's were'} left out of validation: a synthesis run sent ${m.droveLeftOut === 1 ? 'its' : 'their'} errors to the teacher, which wrote training examples like ${m.droveLeftOut === 1 ? 'it' : 'them'}, so the student's score there would say nothing.`, '');
  }
  if (m.overlap) {
    out.push(overlapTotal(m.overlap)
      ? `Before training, ${overlapTotal(m.overlap)} training example${overlapTotal(m.overlap) === 1 ? '' : 's'} whose text is also in ${[m.overlap.val ? `the validation set (${m.overlap.val})` : '', m.overlap.test ? `the test set (${m.overlap.test})` : ''].filter(Boolean).join(' or ')} ${overlapTotal(m.overlap) === 1 ? 'was' : 'were'} left out of training (case and surrounding space ignored): no score below rests on a text the model trained on.`
      : 'No training text is also a validation or test text (compared up to case and surrounding space).', '');
  }
  return out;
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
    c.input.kind === 'transformer'
      ? `- files: \`${c.input.weightsFile}\` (safetensors: the BERT's weights under their Hugging Face names plus \`classifier.weight\`/\`classifier.bias\`, ${mb(c.weightsBytes)}), \`${c.input.configFile}\`, \`${c.input.tokenizerFile}\`, \`${c.input.tokenizerConfigFile}\`, \`inference.json\` (preprocessing), \`labels.json\``
      : '- files: `model.json` + `weights.bin` (TensorFlow.js layers format), `inference.json` (preprocessing), `labels.json`',
    '',
    ...baseModelSection(c.input, c.weightsBytes),
    '## Metrics',
    '',
    ...scoresIntro(c.metrics),
    ...metricsSection(valTitle(c.metrics), c.metrics.val, valWhat(c.metrics)),
    ...metricsSection('Test', c.metrics.test, 'Decided nothing: no epoch, no round, no setting was chosen on these texts, and none of them was trained on or shown to the teacher. This is the score to expect on texts like them.'),
    'Each interval says how far the score could move on another set of texts like these (95%). Full numbers: `metrics.json`.',
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
    'Node (needs only `npm install @tensorflow/tfjs`' + (c.input.kind === 'sentence-embedding' || c.input.kind === 'transformer' ? ' `@huggingface/tokenizers`' : '') + '):',
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
