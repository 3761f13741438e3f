/**
 * The encoder self-check page (encode-check.html): loads a picked model folder through the app's
 * own worker, embeds a few sentences and shows the encoder id, the device that ran and the vector
 * norms. Lets a user (and the browser test) confirm a downloaded model works offline.
 */
// First, as in main.ts: the page's connect-src policy is in force before anything else runs.
import './app/flow/csp-apply';
import type { Remote } from 'comlink';
import { worker } from './app/worker-client';
import type { encodeApi } from './worker/encode';

// Comlink reaches nested namespaces by path at run time; its types only model top-level functions.
const encode = () => worker().encode as unknown as Remote<typeof encodeApi>;

const SAMPLE = ['A fine film with great acting.', 'Stocks fell as oil prices rose.', 'short'];

const folder = document.getElementById('folder') as HTMLInputElement;
const device = document.getElementById('device') as HTMLSelectElement;
const status = document.getElementById('status') as HTMLOutputElement;
const result = document.getElementById('result') as HTMLPreElement;

folder.addEventListener('change', async () => {
  const files = [...(folder.files ?? [])].map((f) => ({ path: f.webkitRelativePath || f.name, data: f as Blob }));
  status.textContent = `Loading ${files.length} files…`;
  result.textContent = '';
  try {
    const loaded = await encode().loadSentence({ source: { kind: 'files', files }, device: device.value as 'auto' });
    if ('error' in loaded) {
      status.textContent = `${loaded.error} ${loaded.hint ?? ''}`;
      status.dataset.state = 'error';
      return;
    }
    const t0 = performance.now();
    const vectors = await encode().embedSentences(SAMPLE);
    const ms = performance.now() - t0;
    status.textContent = `Loaded ${loaded.id} on ${loaded.device}.`;
    status.dataset.state = 'ready';
    result.textContent = JSON.stringify({
      id: loaded.id, device: loaded.device, dim: loaded.dim, ms: Math.round(ms),
      norms: vectors.map((v) => Math.hypot(...v)),
      vectors: vectors.map((v) => Array.from(v)),
    });
  } catch (e) {
    status.textContent = `The model could not be loaded: ${e instanceof Error ? e.message : String(e)}`;
    status.dataset.state = 'error';
  }
});

const gloveButton = document.getElementById('glove') as HTMLButtonElement;
const gloveStatus = document.getElementById('glove-status') as HTMLOutputElement;
const gloveResult = document.getElementById('glove-result') as HTMLPreElement;

gloveButton.addEventListener('click', async () => {
  gloveStatus.textContent = 'Loading the word vectors…';
  try {
    const t0 = performance.now();
    const loaded = await encode().loadGlove('mean');
    if ('error' in loaded) {
      gloveStatus.textContent = `${loaded.error} ${loaded.hint ?? ''}`;
      gloveStatus.dataset.state = 'error';
      return;
    }
    const loadMs = performance.now() - t0;
    const vectors = await encode().embedGlove(SAMPLE, 'mean');
    gloveStatus.textContent = `Loaded ${loaded.id} in ${Math.round(loadMs)} ms.`;
    gloveStatus.dataset.state = 'ready';
    gloveResult.textContent = JSON.stringify({ id: loaded.id, dim: loaded.dim, loadMs: Math.round(loadMs), vectors: vectors.map((v) => Array.from(v)) });
  } catch (e) {
    gloveStatus.textContent = `The word vectors could not be loaded: ${e instanceof Error ? e.message : String(e)}`;
    gloveStatus.dataset.state = 'error';
  }
});
