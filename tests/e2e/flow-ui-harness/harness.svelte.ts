/**
 * Renders one flow step with fixture data, chosen by `?view=`, so browser tests and screenshots see
 * the real components without the worker. Every callback is recorded in `window.calls`.
 */
import '../../../src/app/flow/csp-apply';
import { mount } from 'svelte';
import '../../../src/app/global.css';
import './harness.css';
import TeacherStep from '../../../src/app/teacher/TeacherStep.svelte';
import SynthesizeStep from '../../../src/app/synthesize/SynthesizeStep.svelte';
import ReviewStep from '../../../src/app/review/ReviewStep.svelte';
import EvaluateStep from '../../../src/app/evaluate/EvaluateStep.svelte';
import type { RunProgress, SynthStatus } from '../../../src/app/synthesize/synth-settings';
import type { Example } from '../../../src/core/dataset/example';
import { startWorker } from '../../../src/app/flow/csp';
import probeUrl from './probe-worker.ts?worker&url';
import { LABELS, makeExamples, makeRounds } from './fixtures';

declare global {
  interface Window {
    calls: unknown[][];
    probe: (url: string) => Promise<'allowed' | 'blocked'>;
    probeInWorker: (url: string) => Promise<'allowed' | 'blocked'>;
    push: (p: RunProgress) => void;
  }
}

window.calls = [];
const record = (name: string) => (...args: unknown[]) => void window.calls.push([name, ...args]);
const params = new URLSearchParams(location.search);
const target = document.getElementById('app')!;

window.probe = async (url) => {
  try {
    await fetch(url, { mode: 'no-cors', cache: 'no-store' });
    return 'allowed';
  } catch {
    return 'blocked';
  }
};
window.probeInWorker = (url) => new Promise((resolve) => {
  const w = startWorker(probeUrl);
  w.onmessage = (e) => { resolve(e.data); w.terminate(); };
  w.postMessage(url);
});

switch (params.get('view')) {
  case 'teacher': {
    mount(TeacherStep, {
      target,
      props: {
        allowedOrigin: params.get('allowed') ?? 'https://api.openai.com',
        listModels: async (...a: unknown[]) => { record('listModels')(...a); return ['gpt-4o-mini', 'gpt-4.1-nano', 'o4-mini']; },
        testConnection: async (req: unknown) => {
          record('test')(req);
          if (params.get('fail')) throw new Error('HTTP 429: rate limited.');
          return 'Hello! <img src=x onerror="window.pwned=1"> I can label texts for you.';
        },
        onchange: record('change'),
        reload: record('reload'),
      },
    });
    break;
  }
  case 'synthesize': {
    const s = $state<{ status: SynthStatus; progress: RunProgress | null; error: string | null }>({
      status: (params.get('status') as SynthStatus) ?? 'idle',
      progress: null,
      error: params.get('error'),
    });
    if (s.status !== 'idle') {
      s.progress = { phase: 'synthesize', done: 84, total: 200, detail: { round: 0, strategy: 'generate', requested: 105, accepted: 84, rejected: { duplicate: 9, 'too-short': 3, 'off-label': 2, malformed: 1 }, missing: { 'not returned': 4, 'cut off': 2 }, promptTokens: 41230, completionTokens: 18012, failed: { rate_limited: 2 } } };
    }
    window.push = (p) => { s.progress = p; };
    mount(SynthesizeStep, {
      target,
      props: {
        get status() { return s.status; },
        get progress() { return s.progress; },
        get error() { return s.error; },
        hasUnlabeled: params.get('unlabeled') === '1',
        settings: { mix: { annotate: 0, generate: 1, rationale: 1 }, budget: 200, rounds: 2, price: { input: 0.15, output: 0.6 } },
        onstart: (x: unknown, earlier?: unknown) => { record('start')(x, earlier); s.status = 'running'; s.progress = { phase: 'synthesize', done: 0, total: 200, detail: {} }; },
        countEarlier: async () => {
          if (params.get('earlierFails')) throw new Error('The database connection is closing');
          return { made: Number(params.get('made') ?? 0), labeled: Number(params.get('labeled') ?? 0) };
        },
        onpause: () => { record('pause')(); s.status = 'paused'; },
        onresume: () => { record('resume')(); s.status = 'running'; },
        oncancel: () => { record('cancel')(); s.status = 'cancelled'; },
        onsettingschange: record('settings'),
        onnext: record('next'),
      },
    });
    break;
  }
  case 'review': {
    const s = $state({ examples: makeExamples(Number(params.get('n') ?? 5000)) as Example[] });
    mount(ReviewStep, {
      target,
      props: {
        get examples() { return s.examples; },
        labels: LABELS,
        onedit: (id: string, patch: { text?: string; label?: string | null }) => {
          record('edit')(id, patch);
          s.examples = s.examples.map((e) => (e.id === id ? { ...e, ...(patch.text !== undefined ? { text: patch.text } : {}), ...(patch.label !== undefined ? { label: patch.label } : {}) } : e));
        },
        ondelete: (ids: string[]) => { record('delete')(ids); const gone = new Set(ids); s.examples = s.examples.filter((e) => !gone.has(e.id)); },
        onrestore: (xs: Example[]) => { record('restore')(xs.map((x) => x.id)); s.examples = [...xs, ...s.examples]; },
        onmovetovalidation: (ids: string[]) => { record('move')(ids); const m = new Set(ids); s.examples = s.examples.map((e) => (m.has(e.id) ? { ...e, split: 'val' } : e)); },
      },
    });
    break;
  }
  case 'evaluate': {
    const { rounds, misclassified } = makeRounds();
    mount(EvaluateStep, { target, props: { rounds: params.get('empty') ? [] : rounds, labels: LABELS, misclassified, onroundchange: record('round') } });
    break;
  }
  default:
    target.textContent = 'Pick a view: ?view=teacher|synthesize|review|evaluate';
}
