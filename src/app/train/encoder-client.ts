/** The Train step's handle on the worker's `encode` namespace (the pretrained sentence encoder). */
import * as Comlink from 'comlink';
import { MINILM, totalBytes } from '../../core/models/catalog';
import type { Progress } from '../../core/progress';
import type { EncoderSourceRequest, LoadedEncoder, LoadedPretrained } from '../../worker/encode';
import { worker } from '../worker-client';

export type { EncoderSourceRequest, LoadedEncoder, LoadedPretrained };

/** What the page says about the pretrained encoder (from the pinned catalog, no worker needed). */
export const PRETRAINED = {
  name: MINILM.id,
  megabytes: Math.round(totalBytes(MINILM) / 1e6),
  license: MINILM.license,
  upstream: MINILM.upstream,
};

export interface LoadProgress { file: string; done: number; total: number }

/**
 * Loads the encoder in the worker, reporting the bytes of its largest file as they arrive. A
 * failure the user can act on (offline, a folder without weights) throws its UserError (protocol.ts).
 */
export async function loadEncoder(source: EncoderSourceRequest, onProgress: (p: LoadProgress) => void): Promise<LoadedEncoder> {
  return worker().encode.loadEncoder({ source }, Comlink.proxy((p: Progress) => {
    const file = p.phase === 'load-model' ? p.detail.file ?? '' : '';
    // The weights are ~99% of the bytes; the small JSON files would only make the bar jump.
    if (file === 'model.safetensors') onProgress({ file, done: p.done, total: p.total });
  }));
}

/** Reads the pretrained transformer's files in the worker for fine-tuning, with the same progress. */
export async function loadPretrained(source: EncoderSourceRequest, onProgress: (p: LoadProgress) => void): Promise<LoadedPretrained> {
  return worker().encode.loadPretrained({ source }, Comlink.proxy((p: Progress) => {
    const file = p.phase === 'load-model' ? p.detail.file ?? '' : '';
    if (file === 'model.safetensors') onProgress({ file, done: p.done, total: p.total });
  }));
}
