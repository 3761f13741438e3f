/**
 * The encoder check page (a test harness, not part of the app): loads the sentence encoder through
 * the app's own worker (the app's /models/ copy, the hub, or a picked folder), embeds the texts on
 * the page and shows the encoder id, the backend that ran, the time and the vectors. The browser
 * tests (tests/e2e/encoder.spec.ts) and the Chromium speed bench drive it; harness.ts builds it
 * with the app's Vite plugins and serves it beside the app's public/ folder.
 */
// First, as in main.ts: the page's connect-src policy is in force before anything else runs.
import '../../../src/app/flow/csp-apply';
import * as Comlink from 'comlink';
import { worker } from '../../../src/app/worker-client';
import { isUserError } from '../../../src/core/errors';
import type { Progress } from '../../../src/core/progress';
import type { BackendName, BackendRequest } from '../../../src/core/student/backend';
import type { StepReport } from '../../../src/core/student/train';
import type { EncoderSourceRequest } from '../../../src/worker/encode';
import type { FineTuneCheckRequest } from '../../../src/worker/train';

const encode = () => worker().encode;

/** A failure in the user's terms: a UserError says what is wrong and what to do; anything else is reported as it is. */
const failed = (what: string, e: unknown) => (isUserError(e) ? e.userMessage : `${what}: ${e instanceof Error ? e.message : String(e)}`);

/** Chromium's non-standard performance.memory, where there is one. */
type ChromiumPerformance = Performance & { memory?: { usedJSHeapSize: number } };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const folder = $<HTMLInputElement>('folder');
const backend = $<HTMLSelectElement>('backend');
const textsBox = $<HTMLTextAreaElement>('texts');
const embedButton = $<HTMLButtonElement>('embed');
const status = $<HTMLOutputElement>('status');
const result = $<HTMLPreElement>('result');
let loaded: { id: string; dim: number; backend: string; from: string; loadMs: number } | undefined;

function texts(): string[] {
  const v = textsBox.value;
  if (v.trim().startsWith('[')) return JSON.parse(v) as string[];
  return v.split('\n').filter((l) => l.trim() !== '');
}

async function load(source: EncoderSourceRequest): Promise<void> {
  status.textContent = 'Loading the encoder…';
  status.dataset.state = 'loading';
  result.textContent = '';
  embedButton.disabled = true;
  try {
    const t0 = performance.now();
    const r = await encode().loadEncoder({ source, backend: (backend.value || undefined) as BackendName | undefined }, Comlink.proxy((p: Progress) => {
      if (p.phase === 'load-model' && p.detail.file === 'model.safetensors') status.textContent = `Loading the encoder: ${Math.round(p.done / 1e6)} of ${Math.round(p.total / 1e6)} MB`;
    }));
    loaded = { ...r, loadMs: Math.round(performance.now() - t0) };
    status.textContent = `Loaded ${r.id} from ${r.from} on ${r.backend} in ${loaded.loadMs} ms.`;
    status.dataset.state = 'loaded';
    embedButton.disabled = false;
  } catch (e) {
    status.textContent = failed('The encoder could not be loaded', e);
    status.dataset.state = 'error';
  }
}

$<HTMLButtonElement>('app').addEventListener('click', () => void load({ kind: 'app' }));
folder.addEventListener('change', () => {
  const files = [...(folder.files ?? [])].map((f) => ({ path: f.webkitRelativePath || f.name, data: f as Blob }));
  void load({ kind: 'files', files });
});

embedButton.addEventListener('click', async () => {
  if (!loaded) return;
  status.dataset.state = 'embedding';
  try {
    const list = texts();
    const t0 = performance.now();
    const vectors = await encode().embed(list);
    const ms = performance.now() - t0;
    status.textContent = `Embedded ${list.length} texts on ${loaded.backend} in ${Math.round(ms)} ms (${(list.length / (ms / 1000)).toFixed(1)} texts/s).`;
    status.dataset.state = 'ready';
    const heap = (performance as ChromiumPerformance).memory?.usedJSHeapSize;
    result.textContent = JSON.stringify({ ...loaded, ms, count: list.length, pageHeapBytes: heap ?? null, vectors: vectors.map((v) => Array.from(v)) });
  } catch (e) {
    status.textContent = failed('Embedding failed', e);
    status.dataset.state = 'error';
  }
});

const gloveButton = $<HTMLButtonElement>('glove');
const gloveStatus = $<HTMLOutputElement>('glove-status');
const gloveResult = $<HTMLPreElement>('glove-result');
const SAMPLE = ['A fine film with great acting.', 'Stocks fell as oil prices rose.', 'short'];

gloveButton.addEventListener('click', async () => {
  gloveStatus.textContent = 'Loading the word vectors…';
  try {
    const t0 = performance.now();
    const r = await encode().loadGlove('mean');
    const loadMs = performance.now() - t0;
    const vectors = await encode().embedGlove(SAMPLE, 'mean');
    gloveStatus.textContent = `Loaded ${r.id} in ${Math.round(loadMs)} ms.`;
    gloveStatus.dataset.state = 'ready';
    gloveResult.textContent = JSON.stringify({ id: r.id, dim: r.dim, loadMs: Math.round(loadMs), vectors: vectors.map((v) => Array.from(v)) });
  } catch (e) {
    gloveStatus.textContent = failed('The word vectors could not be loaded', e);
    gloveStatus.dataset.state = 'error';
  }
});

const ftStatus = $<HTMLOutputElement>('ft-status');
const ftResult = $<HTMLPreElement>('ft-result');
const ftRun = $<HTMLButtonElement>('ft-run');
const ftFolder = $<HTMLInputElement>('ft-folder');

async function loadForFineTuning(source: EncoderSourceRequest): Promise<void> {
  ftStatus.textContent = 'Reading the transformer…';
  ftStatus.dataset.state = 'loading';
  ftRun.disabled = true;
  try {
    const r = await encode().loadPretrained({ source });
    ftStatus.textContent = `Read ${r.name} (${r.megabytes} MB, ${r.layers} layers) from ${r.from}.`;
    ftStatus.dataset.state = 'loaded';
    ftRun.disabled = false;
  } catch (e) {
    ftStatus.textContent = failed('The transformer could not be read', e);
    ftStatus.dataset.state = 'error';
  }
}

$<HTMLButtonElement>('ft-app').addEventListener('click', () => void loadForFineTuning({ kind: 'app' }));
ftFolder.addEventListener('change', () => {
  const files = [...(ftFolder.files ?? [])].map((f) => ({ path: f.webkitRelativePath || f.name, data: f as Blob }));
  void loadForFineTuning({ kind: 'files', files });
});

ftRun.addEventListener('click', async () => {
  ftStatus.dataset.state = 'training';
  ftResult.textContent = '';
  try {
    const data = JSON.parse($<HTMLTextAreaElement>('ft-data').value) as Pick<FineTuneCheckRequest, 'train' | 'val' | 'hyper' | 'maxSteps'>;
    const r = await worker().train.finetuneCheck(
      { jobId: `ft-check-${Date.now().toString(36)}`, backend: (backend.value || 'auto') as BackendRequest, ...data },
      Comlink.proxy((s: StepReport) => { ftStatus.textContent = `Step ${s.steps} of ${s.maxSteps}: loss ${s.loss.toFixed(4)}, ${s.examplesPerSecond.toFixed(2)} examples/s`; }),
    );
    ftStatus.textContent = `Fine-tuned on ${r.backend} in ${r.seconds.toFixed(1)} s; tensors before ${r.tensorsBefore}, after ${r.tensorsAfter}.`;
    ftStatus.dataset.state = 'done';
    ftResult.textContent = JSON.stringify(r);
  } catch (e) {
    ftStatus.textContent = failed('Fine-tuning failed', e);
    ftStatus.dataset.state = 'error';
  }
});
