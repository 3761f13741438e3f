/**
 * The loop's `train` and `load` (LoopDeps) over the one student pipeline: trainStudent with the
 * loop's overrides (defaults.ts), predict, and the record module. The loop itself never touches
 * tfjs; a resumed run reloads a round's student from its record.
 */
import type { BackendRequest } from '../student/backend.js';
import { predict } from '../student/predict.js';
import { loadModelRecord, toModelRecord } from '../student/record.js';
import type { StudentHyper } from '../student/spec.js';
import type { StepReport } from '../student/train.js';
import { trainStudent, type Student, type StudentFeatures, type Trained } from '../student/student.js';
import type { LoopDeps, TrainedStudent } from './deps.js';

export interface LoopStudentOptions {
  /** Overrides of the loop's student settings (e.g. `hidden: []` for a linear head, `epochs`). */
  hyper?: Partial<StudentHyper>;
  /**
   * Default 'cpu': the loop's students are small, so the CPU backend trains them quickly, and in
   * the browser it never shares a GPU device with the Train step (under SwiftShader a WebGPU buffer
   * mapped from the loop failed with "no valid external Instance").
   */
  backend?: BackendRequest;
  /** After each optimizer step of a long training (the fine-tuned transformer): steps/s and ETA. */
  onStep?: (report: StepReport) => void;
  /**
   * Save each training's state after every epoch in the loop's store (student/checkpoint.ts, under
   * the training's key), so a round cut off by a reload continues from its last finished epoch
   * instead of starting over. Worth it for the transformer, whose round takes minutes to hours;
   * its checkpoint (weights, best weights, AdamW moments) is a few hundred MB while the round trains.
   */
  checkpoints?: boolean;
  /** Which rounds' students the store keeps (LoopDeps.keepModels). */
  keepModels?: LoopDeps['keepModels'];
}

/** `features`: the word-vector table (the word model) or the encoder a head reads. */
export function loopStudent(features: StudentFeatures, options: LoopStudentOptions = {}): Pick<LoopDeps, 'train' | 'load' | 'keepModels'> {
  // A trained student's record says how it trained, as the Train step's does: its backend is
  // where a reload scores it (record.ts loadBackendsOf).
  const wrap = (s: Student & Partial<Trained>): TrainedStudent => ({
    predict: async (texts, o) => (await predict(s, texts, features, o)).map((p) => p.scores),
    toRecord: (id, projectId, runId) => toModelRecord(s, { id, projectId, runId }, s.fit && s.backend ? {
      training: { backend: s.backend.backend, bestEpoch: s.fit.bestEpoch, history: s.fit.history, stopReason: s.fit.stopReason },
    } : {}),
    dispose: () => s.model.dispose(),
  });
  return {
    ...(options.keepModels ? { keepModels: options.keepModels } : {}),
    async train(input, { signal, onProgress, store }) {
      const t = await trainStudent(
        { texts: input.train.map((e) => e.text), labels: input.train.map((e) => e.label), weights: input.train.map((e) => e.weight) },
        { texts: input.val.map((e) => e.text), labels: input.val.map((e) => e.label) },
        features,
        {
          signal, onProgress, onStep: options.onStep, purpose: 'loop', hyper: { ...options.hyper, seed: input.seed },
          ...(options.checkpoints && input.key && input.projectId ? { checkpoint: { store, key: input.key, projectId: input.projectId } } : {}),
          // A transformer times its trial step on webgpu, webgl and wasm (wasm alone in Node), cpu only as the fallback.
          backend: options.backend ?? (features.kind === 'transformer' ? 'auto' : 'cpu'),
        },
      );
      if (t.spec.labels.join('\u0000') !== input.labels.join('\u0000')) {
        t.model.dispose();
        throw new Error(`loop: student labels ${t.spec.labels} differ from the run's ${input.labels}`);
      }
      return wrap(t);
    },
    async load(record) {
      return wrap(await loadModelRecord(record));
    },
  };
}
