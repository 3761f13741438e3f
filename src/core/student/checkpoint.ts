/**
 * Training checkpoints in the store: after each epoch, fitStudent's state (the weights, the
 * kept epoch's weights when an earlier one is kept, the optimiser's moments and counters,
 * early stopping's record, the history) goes into one CheckpointRecord, so a killed
 * `distillery train`/`run` or a reloaded page continues after its last finished epoch.
 *
 * A checkpoint is only used by the training it belongs to: its fingerprint covers the student's
 * spec (kind, labels, settings, seed, length limit) and every training and validation text,
 * label and weight. Anything else under the same key is ignored and replaced.
 */
import { textHash } from '../dataset/hash.js';
import type { Store } from '../store/store.js';
import { readSafetensors, writeSafetensors, type RawTensor } from '../transformer/safetensors.js';
import type { StudentSpec } from './spec.js';
import type { FitCheckpoint, FitSnapshot } from './train.js';

export interface CheckpointPlace {
  store: Store;
  /** The job's key (`<project>:train`, `<run>:r2`…). */
  key: string;
  projectId: string;
}

export interface StoreCheckpoint extends FitCheckpoint {
  /** Whether a checkpoint of this training is stored. */
  exists(): Promise<boolean>;
  /** Deletes it (the training finished and its student is saved, or it is abandoned). */
  clear(): Promise<void>;
}

type Meta = Omit<FitSnapshot, 'weights' | 'best' | 'trainer'> & {
  fingerprint: string;
  weights: number;
  best: number;
  trainer?: { counters: Record<string, number>; names: string[] };
};

interface TextsLike { texts: string[]; labels: string[]; weights?: number[] }

/** A fingerprint of what decides a training run: the spec and the data. */
export function trainingFingerprint(spec: StudentSpec, train: TextsLike, val: TextsLike): string {
  const part = (t: TextsLike) => textHash(JSON.stringify([t.texts, t.labels, t.weights ?? null]));
  return textHash(JSON.stringify(spec)) + part(train) + part(val);
}

export async function storeCheckpoint(place: CheckpointPlace, of: { spec: StudentSpec; train: TextsLike; val: TextsLike }): Promise<StoreCheckpoint> {
  const fingerprint = trainingFingerprint(of.spec, of.train, of.val);
  const { store, key } = place;
  const read = async () => {
    const c = await store.getCheckpoint(key);
    return c && (c.meta as Meta).fingerprint === fingerprint ? c : undefined;
  };
  return {
    async exists() {
      return !!(await read());
    },
    async load() {
      const c = await read();
      if (!c) return undefined;
      const meta = c.meta as Meta;
      const tensors = readSafetensors(new Uint8Array(c.data));
      const list = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => tensors.get(`${prefix}/${i}`)!);
      const { fingerprint: _f, weights, best, trainer, ...rest } = meta;
      return {
        ...rest,
        weights: list('w', weights),
        best: best ? list('b', best) : undefined,
        trainer: trainer && { counters: trainer.counters, tensors: new Map(trainer.names.map((n) => [n, tensors.get(`t/${n}`)!])) },
      };
    },
    async save(s) {
      const tensors = new Map<string, RawTensor>();
      s.weights.forEach((t, i) => tensors.set(`w/${i}`, t));
      s.best?.forEach((t, i) => tensors.set(`b/${i}`, t));
      for (const [n, t] of s.trainer?.tensors ?? []) tensors.set(`t/${n}`, t);
      const meta: Meta = {
        fingerprint, epoch: s.epoch, steps: s.steps, history: s.history, finished: s.finished, stopping: s.stopping,
        weights: s.weights.length, best: s.best?.length ?? 0,
        trainer: s.trainer && { counters: s.trainer.counters, names: [...s.trainer.tensors.keys()] },
      };
      const bytes = writeSafetensors(tensors, { format: 'distillery-checkpoint' });
      await store.putCheckpoint({ id: key, projectId: place.projectId, createdAt: new Date().toISOString(), meta, data: bytes.buffer as ArrayBuffer });
    },
    async clear() {
      await store.deleteCheckpoint(key);
    },
  };
}
