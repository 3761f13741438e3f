/**
 * One training run as the Train step sees it: the settings, the live per-epoch reports from the
 * worker, the outcome, and the last result of the project (the use case keeps it in the project's
 * settings, so a reload shows it again). All computation happens in the worker; this only holds state.
 */
import * as Comlink from 'comlink';
import { isAbortError, isUserError } from '../../core/errors';
import { STUDENT_DEFAULTS } from '../../core/student/defaults';
import { store } from '../projects/projects';
import { worker } from '../worker-client';
import { loadEncoder, loadPretrained, type EncoderSourceRequest, type LoadedEncoder, type LoadedPretrained, type LoadProgress } from './encoder-client';
import { trainWorker, type BackendChoice, type BackendName, type BackendRequest, type EpochReport, type StepReport, type TrainEvent, type TrainingEstimate, type TrainSummary } from './train-client';

/** A failed run in the user's terms. */
export interface TrainFailure { code: string; message: string; hint?: string }

/** What to do, in the page's terms, where the core leaves that to the front. */
const HINTS: Record<string, string> = {
  'no-validation': 'Give every label at least two examples on the Data step, add a validation file there, or move some examples to validation on the Review step.',
};

export type Phase = 'idle' | 'estimating' | 'data' | 'vectors' | 'backend' | 'training' | 'saving' | 'done' | 'cancelled' | 'failed';

/** The three students in the user's terms: word vectors, the transformer fine-tuned, a head on the fixed transformer. */
export type StudentChoice = 'word' | 'transformer' | 'encoder';

/** Most points the live per-step loss curve keeps (older ones are merged in pairs beyond it). */
const MAX_STEP_POINTS = 400;

export const PHASE_TEXT: Record<Phase, string> = {
  idle: 'Not started',
  estimating: 'Measuring a training step on this machine (Automatic: on each backend that starts, to keep the fastest)…',
  data: 'Reading the project’s examples…',
  vectors: 'Preparing the text features…',
  backend: 'Choosing the backend and preparing the model…',
  training: 'Training…',
  saving: 'Saving the student…',
  done: 'Done',
  cancelled: 'Cancelled; nothing was saved from this run.',
  failed: 'Training failed',
};

export const DEFAULT_EPOCHS = STUDENT_DEFAULTS.wordpool.epochs;
const KIND_EPOCHS: Record<StudentChoice, number> = { word: STUDENT_DEFAULTS.wordpool.epochs, encoder: STUDENT_DEFAULTS.mlp.epochs, transformer: STUDENT_DEFAULTS.transformer.epochs };

/** The backends in the user's words. */
export const BACKEND_NAMES: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WebAssembly', cpu: 'Plain JavaScript (CPU)' };

/** One step's time: "0.4 s", "38 s", "2.5 min". */
export function stepTime(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 90) return `${Math.round(s)} s`;
  return `${(s / 60).toFixed(1)} min`;
}

/**
 * The automatic choice in plain words, fastest first: "WebAssembly: 0.9 s a step; WebGL: 5.4 s
 * a step; WebGPU: 38 s a step; using WebAssembly". Empty when nothing was timed.
 */
export function choiceText(c: { backend: BackendName; timings: Partial<Record<BackendName, number | null>> }): string {
  const timed = (Object.entries(c.timings) as [BackendName, number | null][])
    .sort(([, a], [, b]) => (a ?? Infinity) - (b ?? Infinity));
  if (!timed.length) return '';
  return `${timed.map(([b, ms]) => `${BACKEND_NAMES[b]}: ${ms == null ? 'could not run it' : `${stepTime(ms)} a step`}`).join('; ')}; using ${BACKEND_NAMES[c.backend]}`;
}

/** "about 12 min", "about 40 s", "about 2 h 10 min". */
export function aboutTime(seconds: number): string {
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s`;
  const min = Math.round(seconds / 60);
  if (min < 90) return `about ${min} min`;
  return `about ${Math.floor(min / 60)} h ${min % 60} min`;
}

/**
 * How the transformer learned, in words (TrainSummary.finetune): "all 6 layers and the classifier
 * trained", "the top 3 of 6 layers …", or SetFit's way (pairs of examples first, then the classifier).
 */
export function finetuneText(f: NonNullable<TrainSummary['finetune']>): string {
  const k = f.trainLayers === undefined ? f.layers : Math.min(f.trainLayers, f.layers);
  const then = k === f.layers ? `all ${f.layers} layers and the classifier trained (the word embeddings stay as pretrained)`
    : k === 0 ? 'the classifier alone trained'
    : `the top ${k} of ${f.layers} layers and the classifier trained; the lower ${f.layers - k} stayed as pretrained`;
  return f.contrastivePairs > 0
    ? `pairs of examples (${f.contrastivePairs} per text, SetFit stage) taught all ${f.layers} layers first; then ${then}`
    : then[0]!.toUpperCase() + then.slice(1);
}

export class TrainRun {
  backend = $state<BackendRequest>('auto');
  epochs = $state(DEFAULT_EPOCHS);
  available = $state<BackendName[] | null>(null);
  phase = $state<Phase>('idle');
  /** Backend of the run in progress, once training started. */
  runningOn = $state<string | null>(null);
  history = $state<EpochReport[]>([]);
  maxEpochs = $state(DEFAULT_EPOCHS);
  summary = $state<TrainSummary | null>(null);
  error = $state<TrainFailure | null>(null);
  /** `word`: the GloVe word model; `transformer`: the pretrained transformer fine-tuned; `encoder`: a head on its fixed sentence vectors. */
  student = $state<StudentChoice>('word');
  /** The pretrained transformer read in the worker for fine-tuning. */
  pretrained = $state<LoadedPretrained | null>(null);
  /**
   * "Quicker": only the top half of the transformer's layers train, over the lower half's outputs
   * computed once (measured with MiniLM: 43–77% of the time; as accurate on 2,000 texts, 1.7 points
   * less on SST-2's 6,920), so it is a choice, not the default.
   */
  quick = $state(false);
  /** The one-step measurement for the settings it was made with (a change of them asks for a new one). */
  estimate = $state<(TrainingEstimate & { for: string }) | null>(null);
  /** The last step of a fine-tuning run: steps/s, ETA. */
  step = $state<StepReport | null>(null);
  /** Training loss per step (merged in pairs past MAX_STEP_POINTS), for the live curve. */
  stepLosses = $state<{ step: number; loss: number }[]>([]);
  /** The run continued from an earlier one's checkpoint after this epoch. */
  resumedFrom = $state<number | null>(null);
  /** A fine-tuning run a reload interrupted, waiting for its picked model folder to be picked again. */
  interrupted = $state<{ epoch: number; epochs: number } | null>(null);
  encoder = $state<LoadedEncoder | null>(null);
  encoderLoading = $state<LoadProgress | null>(null);
  encoderError = $state<TrainFailure | null>(null);
  /** Texts embedded by the encoder in the run going on. */
  embedded = $state<{ done: number; total: number } | null>(null);
  /** The sets the run going on trains, validates and tests on, and what it left out of them. */
  sets = $state<Extract<TrainEvent, { kind: 'data' }> | null>(null);
  private jobId: string | null = null;
  /** The backend an interrupted run trained on: its continuation trains there, untimed. */
  private resumeOn: BackendChoice | null = null;

  get busy(): boolean {
    return ['estimating', 'data', 'vectors', 'backend', 'training', 'saving'].includes(this.phase);
  }

  /** The settings an estimate was measured for: the student, backend, epochs, layers and the model read. */
  private estimateKey(): string {
    return JSON.stringify([this.backend, this.epochs, this.trainLayers, this.pretrained?.id]);
  }

  /** The top layers that train when "Quicker" is on (half the model's, rounded up); undefined: all. */
  get trainLayers(): number | undefined {
    return this.student === 'transformer' && this.quick && this.pretrained ? Math.ceil(this.pretrained.layers / 2) : undefined;
  }

  /** The estimate for the current settings, if measured. */
  get freshEstimate(): TrainingEstimate | null {
    return this.estimate && this.estimate.for === this.estimateKey() ? this.estimate : null;
  }

  /** Whether the chosen student has what it reads (the transformer or encoder loaded). */
  get ready(): boolean {
    if (this.student === 'encoder') return !!this.encoder;
    if (this.student === 'transformer') return !!this.pretrained;
    return true;
  }

  /** Picks a student; the epochs follow its default unless the user changed them. */
  choose(student: StudentChoice): void {
    if (this.epochs === KIND_EPOCHS[this.student]) this.epochs = KIND_EPOCHS[student];
    this.student = student;
  }

  async probe(): Promise<void> {
    try {
      this.available = await trainWorker().backends();
    } catch (e) {
      this.available = [];
      this.error = { code: 'backends', message: `No training backend could start: ${(e as Error).message}`, hint: 'Reload the page; if it persists, try another browser.' };
    }
  }

  /**
   * Loads the pretrained transformer in the worker (the app's copy, the hub, or a picked folder):
   * as the fixed encoder, or its files for fine-tuning, as the chosen student needs.
   */
  async loadEncoder(source: EncoderSourceRequest): Promise<void> {
    if (this.encoderLoading) return;
    this.encoderError = null;
    this.encoderLoading = { file: '', done: 0, total: 0 };
    try {
      const progress = (p: LoadProgress) => { this.encoderLoading = p; };
      if (this.student === 'transformer') this.pretrained = await loadPretrained(source, progress);
      else this.encoder = await loadEncoder(source, progress);
    } catch (e) {
      this.encoderError = isUserError(e) ? { code: e.code, message: e.message, hint: e.hint }
        : { code: 'bug', message: `The encoder could not be loaded: ${(e as Error).message}`, hint: 'Reload the page and try again, or use the word-vector student.' };
    } finally {
      this.encoderLoading = null;
    }
  }

  /**
   * The last result saved with the project, if any; and a fine-tuning run a reload interrupted
   * continues from its last epoch's checkpoint (its model folder must be picked again when it
   * came from one: the page cannot keep the user's files).
   */
  async restore(projectId: string): Promise<void> {
    const p = await (await store()).getProject(projectId);
    const saved = p?.settings.train;
    if (saved?.summary && this.phase === 'idle') {
      this.summary = saved.summary;
      this.history = saved.summary.history;
      this.phase = 'done';
    }
    const running = await trainWorker().interrupted(projectId).catch(() => undefined);
    if (!running || this.busy) return;
    this.student = 'transformer';
    this.epochs = running.epochs;
    this.quick = running.trainLayers !== undefined;
    this.backend = running.backend;
    this.resumeOn = running.chosen ?? null;
    if (running.base === 'files') {
      this.interrupted = { epoch: running.epoch, epochs: running.epochs };
      return;
    }
    await this.loadEncoder({ kind: 'app' });
    if (this.pretrained) await this.start(projectId);
  }

  /** Measures one fine-tuning step on the chosen backend and scales it to the run. */
  async measure(projectId: string): Promise<void> {
    if (this.busy) return;
    this.jobId = `estimate-${Date.now().toString(36)}`;
    this.error = null;
    this.phase = 'estimating';
    const key = this.estimateKey();
    try {
      const e = await trainWorker().estimate({ projectId, jobId: this.jobId, backend: this.backend, epochs: this.epochs, trainLayers: this.trainLayers });
      this.estimate = { ...e, for: key };
      this.phase = this.summary ? 'done' : 'idle';
    } catch (e) {
      this.fail(e, 'The time could not be measured');
      if (isAbortError(e)) this.phase = this.summary ? 'done' : 'idle';
    } finally {
      this.jobId = null;
    }
  }

  private fail(e: unknown, what: string): void {
    if (isAbortError(e)) {
      this.phase = 'cancelled';
      return;
    }
    this.error = isUserError(e) ? { code: e.code, message: e.message, hint: e.hint ?? HINTS[e.code] }
      : { code: 'bug', message: `${what}: ${(e as Error).message}`, hint: 'This is a bug in Distillery; your data is unchanged. Reload the page and try again.' };
    this.phase = 'failed';
  }

  private addStep(r: StepReport): void {
    this.step = r;
    // The SetFit stage's loss is a cosine error, not the classifier's cross-entropy: not one curve.
    if (r.stage === 'contrastive') return;
    let points = [...this.stepLosses, { step: r.steps, loss: r.loss }];
    if (points.length > MAX_STEP_POINTS) {
      // Merge neighbours in pairs: the curve keeps its shape at a bounded size for any run length.
      const merged: typeof points = [];
      for (let i = 0; i + 1 < points.length; i += 2) merged.push({ step: points[i + 1]!.step, loss: (points[i]!.loss + points[i + 1]!.loss) / 2 });
      if (points.length % 2) merged.push(points.at(-1)!);
      points = merged;
    }
    this.stepLosses = points;
  }

  async start(projectId: string): Promise<void> {
    if (this.busy) return;
    this.jobId = `train-${Date.now().toString(36)}`;
    this.error = null;
    this.summary = null;
    this.history = [];
    this.runningOn = null;
    this.embedded = null;
    this.sets = null;
    this.step = null;
    this.stepLosses = [];
    this.resumedFrom = null;
    this.interrupted = null;
    this.maxEpochs = this.epochs;
    this.phase = 'data';
    // 'auto' trains where the estimate's timing (or the interrupted run) chose, not timed again.
    const estimate = this.student === 'transformer' ? this.freshEstimate : null;
    // A snapshot: the worker cannot be sent the state's proxies.
    const chosen = this.backend !== 'auto' ? undefined : this.resumeOn ?? (estimate ? $state.snapshot({ backend: estimate.backend, timings: estimate.timings }) : undefined);
    this.resumeOn = null;
    try {
      const summary = await trainWorker().run(
        { projectId, jobId: this.jobId, backend: this.backend, epochs: this.epochs, trainLayers: this.trainLayers, student: this.student, chosen },
        Comlink.proxy((e: TrainEvent) => {
          if (e.kind === 'phase') {
            if (this.phase !== 'cancelled') this.phase = e.phase;
            if (e.phase === 'training' && e.backend) this.runningOn = e.backend;
          } else if (e.kind === 'embed') {
            this.embedded = { done: e.done, total: e.total };
          } else if (e.kind === 'data') {
            this.sets = e;
          } else if (e.kind === 'epoch') {
            this.history = [...this.history, e.report];
          } else if (e.kind === 'step') {
            this.addStep(e.report);
          } else if (e.kind === 'resumed') {
            this.resumedFrom = e.epoch;
            this.history = e.history;
          }
        }),
      );
      this.summary = summary;
      this.history = summary.history;
      this.phase = 'done';
      if (summary.summaryNotSaved) {
        // The model itself is stored; only the summary shown after a reload is lost.
        this.error = { code: 'save-summary', message: `The student is saved, but its summary could not be: ${summary.summaryNotSaved}`, hint: 'Free some disk space; the Export step still finds the student.' };
      }
    } catch (e) {
      this.fail(e, 'Training failed');
    } finally {
      this.jobId = null;
    }
  }

  cancel(): void {
    if (this.jobId) void worker().cancel(this.jobId);
  }
}
