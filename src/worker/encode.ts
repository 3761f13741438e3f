/**
 * The worker's `encode` namespace: loads and runs the sentence encoder off the main thread. The
 * wasm runtime is the app's own copy at `<base>ort/` (scripts/vite-ort-wasm.ts), addressed by
 * absolute URL because the worker may run from a blob: URL (see app/flow/csp.ts).
 */
import { SentenceEncoder, type Dtype, type ModelSource, type PickedFile, type SentenceDevice } from '../core/encode/sentence.js';
import { GloveEncoder, type GlovePooling } from '../core/encode/glove.js';
import { loadWordVectors, urlSource, type WordVectors } from '../core/encode/word-vectors.js';

export type SentenceSourceRequest =
  | { kind: 'hub'; model?: string; revision?: string }
  | { kind: 'url'; url: string }
  | { kind: 'files'; files: PickedFile[] };

export interface LoadSentenceRequest {
  source: SentenceSourceRequest;
  device?: SentenceDevice;
  dtype?: Dtype;
}

export interface LoadedEncoder { id: string; dim: number; device: string }


let sentence: SentenceEncoder | undefined;
let vectors: Promise<WordVectors> | undefined;
const glove = new Map<GlovePooling, GloveEncoder>();

/** The app's GloVe table (public/vectors/), fetched once per worker and shared by every user of it. */
export function appWordVectors(): Promise<WordVectors> {
  vectors ??= loadWordVectors(urlSource(new URL('vectors/', appBase()).href)).catch((e: unknown) => {
    vectors = undefined; // a failed fetch can be retried
    throw e;
  });
  return vectors;
}

function appBase(): string {
  return new URL(import.meta.env.BASE_URL, self.location.origin).href;
}

function toSource(r: SentenceSourceRequest): ModelSource {
  if (r.kind === 'hub') return { kind: 'hub', model: r.model ?? 'Xenova/all-MiniLM-L6-v2', revision: r.revision };
  return r;
}

export const encodeApi = {
  /** Loads (replacing any loaded one) and reports the device that actually ran. */
  async loadSentence(req: LoadSentenceRequest): Promise<LoadedEncoder> {
    await sentence?.dispose();
    sentence = undefined;
    sentence = await SentenceEncoder.load({
      source: toSource(req.source), device: req.device, dtype: req.dtype, wasmBase: new URL('ort/', appBase()).href,
    });
    return { id: sentence.id, dim: sentence.dim, device: sentence.device };
  },

  async loadGlove(pooling: GlovePooling = 'mean'): Promise<LoadedEncoder> {
    let enc = glove.get(pooling);
    if (!enc) glove.set(pooling, (enc = new GloveEncoder(await appWordVectors(), { pooling })));
    return { id: enc.id, dim: enc.dim, device: 'cpu' };
  },

  async embedGlove(texts: string[], pooling: GlovePooling = 'mean'): Promise<Float32Array[]> {
    const enc = glove.get(pooling);
    if (!enc) throw new Error('embedGlove before loadGlove');
    return enc.encode(texts);
  },

  async embedSentences(texts: string[]): Promise<Float32Array[]> {
    if (!sentence) throw new Error('embedSentences before loadSentence');
    return sentence.encode(texts);
  },

  async disposeSentence(): Promise<void> {
    await sentence?.dispose();
    sentence = undefined;
  },
};
