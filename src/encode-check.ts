/**
 * The encoder self-check page (encode-check.html): loads a picked model folder through the app's
 * own worker, embeds a few sentences and shows the encoder id, the device that ran and the vector
 * norms. Lets a user (and the browser test) confirm a downloaded model works offline.
 */
// First, as in main.ts: the page's connect-src policy is in force before anything else runs.
import './app/flow/csp-apply';
import { isUserError } from './core/errors';
import { worker } from './app/worker-client';

const encode = () => worker().encode;

/** A load that failed: the user's own problem in its words (a UserError), or what went wrong. */
const failed = (what: string, e: unknown) => (isUserError(e) ? e.userMessage : `${what} could not be loaded: ${e instanceof Error ? e.message : String(e)}`);

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
    status.textContent = failed('The model', e);
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
    const loadMs = performance.now() - t0;
    const vectors = await encode().embedGlove(SAMPLE, 'mean');
    gloveStatus.textContent = `Loaded ${loaded.id} in ${Math.round(loadMs)} ms.`;
    gloveStatus.dataset.state = 'ready';
    gloveResult.textContent = JSON.stringify({ id: loaded.id, dim: loaded.dim, loadMs: Math.round(loadMs), vectors: vectors.map((v) => Array.from(v)) });
  } catch (e) {
    gloveStatus.textContent = failed('The word vectors', e);
    gloveStatus.dataset.state = 'error';
  }
});
