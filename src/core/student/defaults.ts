/**
 * The student's training defaults, one object per kind, with the measurements that chose them
 * (the way SetFit's TrainingArguments documents its own). Every front (the Train step, the
 * synthesis loop, `distillery train` and `run`, the benchmarks) starts from these; a caller
 * overrides single fields, never restates the set.
 *
 * wordpool (GloVe 100-d, chosen on validation only, one run each, seed 42):
 *   SST-2 dev (train 6,920): frozen table 74.9%; sparse-Adam embedding lr 3e-4 80.4%, 1e-3 80.3%,
 *   3e-3 80.8%, 1e-2 80.7%; at 3e-3, dropout 0.3 80.2%, dense lr 5e-3 80.4%.
 *   ag_news (seeded 10% of the 10k sample): embedding lr 1e-3 85.6%, 3e-3 87.8%.
 *   Measured and not adopted (SST-2, 1,000 sentences, 2–3 draws, test): word dropout 0.1 / 0.25
 *   (73.6 / 65.0% vs 74.8%), dense lr 5e-3 with embedding lr 1e-2 (73.5%), two hidden layers.
 * mlp (a head over frozen vectors): one 256-unit hidden layer, dropout 0.3; the same optimiser
 *   settings as the word model's dense part.
 * transformer (MiniLM fine-tuned): the usual BERT fine-tuning settings (body lr 5e-5, head 1e-3,
 *   warm-up 10%, weight decay 0.01, clipping 1), checked on validation by bench/finetune-choices.ts
 *   (one draw, 2,000 training texts): SST-2 dev, body 2e-5 / 5e-5 / 1e-4 with head 1e-3: 83.3 /
 *   83.8 / 84.2%, with head 1e-2: 83.7 / 84.5 / 83.6%; AG News held-out, head 1e-3 with body
 *   2e-5 / 5e-5 / 1e-4: 88.4 / 88.5 / 88.6%, body 5e-5 with head 1e-2: 88.7%. All within one run's 95% interval (±2 points), so the usual values stay.
 *   Word embeddings frozen: SST-2 83.8% vs 83.7% trained, at the same time and ~140 MB less
 *   optimizer state. Training only the top 3 layers over cached lower outputs (`trainLayers: 3`)
 *   kept accuracy on 2,000 texts (SST-2 84.5%, AG News 88.5%, in 57% and 77% of the time) but not
 *   on all of SST-2's 6,920 (dev 86.4% vs 88.1%, in 43% of the time), so every layer trains by
 *   default and the top layers are a choice (CLI --train-layers).
 *   Measured: SST-2, all 6,920 sentences, val 88.1%, test 88.7% (best epoch 4 of 4, Node wasm,
 *   2026-12-04). It keeps the latest epoch within one
 *   standard error of the best, since its learning rate decays to 0 over the planned epochs and
 *   the last are the settled ones (early-stopping.ts has the measurement that chose it).
 *   The word model and heads keep the smoothed best: with the latest-within-one-SE rule the word
 *   student's S3 runs gained on SST-2 (74.3% vs 71.8%, 8 draws) and lost on AG News (80.1 / 86.0 /
 *   85.2% vs 85.6 / 86.5 / 85.6%, draws 0–2), so its default did not change.
 */
import type { StudentHyper, StudentKind } from './spec.js';

export const STUDENT_DEFAULTS: Record<StudentKind, StudentHyper> = {
  wordpool: { hidden: [], dropout: 0.5, learningRate: 2e-3, batchSize: 32, epochs: 30, patience: 4, seed: 42, embeddingLearningRate: 3e-3 },
  mlp: { hidden: [256], dropout: 0.3, learningRate: 2e-3, batchSize: 32, epochs: 30, patience: 4, seed: 42 },
  transformer: {
    hidden: [], dropout: 0.1, learningRate: 1e-3, bodyLearningRate: 5e-5, batchSize: 32, epochs: 4, patience: 2, seed: 42,
    weightDecay: 0.01, warmup: 0.1, clipNorm: 1, freezeEmbeddings: true, epochRule: 'latest-within-se',
  },
};

/**
 * What the distillation loop changes: it trains on a few seeds plus at most a budget of teacher
 * examples (hundreds to a few thousand), where a hidden layer helps the word model and costs
 * little. Measured with 64 validation examples (test accuracy, mean of 3 draws unless said):
 * SST-2 with 1,016 real training sentences 73.5% → 75.5%; AG News with 1,032 (2 draws) 85.6% →
 * 85.5%; SST-2 with all 6,920 (1 draw) 82.8% → 82.7% but 4× slower, which is why it is not the
 * Train step's default.
 */
export const LOOP_STUDENT_OVERRIDES: Partial<Record<StudentKind, Partial<StudentHyper>>> = {
  wordpool: { hidden: [128] },
};

/**
 * Few examples (the transformer, `contrastivePairs` left unset): with at most this many training
 * texts per class on average it trains SetFit's way (Tunstall et al. 2022): the whole body first
 * learns from 20 same/different-label pairs per text with a cosine loss, then the head alone
 * trains over the body's cached vectors. With more texts it fine-tunes every layer from the start
 * (contrastivePairs 0). Measured by bench/finetune-choices.ts --set fewshot (held-out accuracy,
 * mean of 3 draws, k texts per class to train and k to stop early; 2026-12-04):
 *   SST-2 8/class: plain fine-tuning 58.8%, SetFit 62.4%, contrastive then all layers 62.3%, top
 *   2 layers only 58.3%. AG News 8/class: 79.9 / 80.7 / 81.1 / 79.8%. SST-2 16/class: 68.3 /
 *   71.1 / 70.7 / 66.2%. Both contrastive setups beat plain on 17 of 18 paired draws; SetFit is
 *   kept for being within 0.4 points of contrastive-then-all-layers at 38–63% of its time (SST-2
 *   16/class: 6.5 vs 16.9 min a run, plain 5.0). AG News 16/class (2026-12-05): plain 83.3%,
 *   SetFit 83.7% (paired −0.4, +2.2, −0.7), at about twice plain's time. Not measured above 16 per
 *   class, so the rule stops there. (In bench:loop's seeds-only baseline, SST-2 draws 0–5, SetFit
 *   and plain are level, +0.1 points paired; AG News draws 0–2 +0.7: see the README.)
 */
export const FEW_EXAMPLES_PER_CLASS = 16;
export const FEW_EXAMPLE_OVERRIDES: Pick<StudentHyper, 'contrastivePairs' | 'trainLayers'> = { contrastivePairs: 20, trainLayers: 0 };

/**
 * The transformer's settings for this training set: the few-example recipe above when the caller
 * left `contrastivePairs` unset and the set is small, otherwise no contrastive stage. An explicit
 * `contrastivePairs` or `trainLayers` always wins. The result is what the student's spec records.
 */
export function transformerHyperFor(hyper: StudentHyper, examples: number, classes: number): StudentHyper {
  if (hyper.contrastivePairs !== undefined) return hyper;
  if (examples > FEW_EXAMPLES_PER_CLASS * classes) return { ...hyper, contrastivePairs: 0 };
  return { ...hyper, contrastivePairs: FEW_EXAMPLE_OVERRIDES.contrastivePairs, trainLayers: hyper.trainLayers ?? FEW_EXAMPLE_OVERRIDES.trainLayers };
}

/** A kind's settings for a purpose, with the caller's overrides (undefined fields ignored). */
export function studentHyper(kind: StudentKind, over: Partial<StudentHyper> = {}, purpose: 'train' | 'loop' = 'train'): StudentHyper {
  const set = Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) as Partial<StudentHyper>;
  return { ...STUDENT_DEFAULTS[kind], ...(purpose === 'loop' ? LOOP_STUDENT_OVERRIDES[kind] : {}), ...set };
}
