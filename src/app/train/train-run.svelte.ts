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
import { loadEncoder, type EncoderSourceRequest, type LoadedEncoder, type LoadProgress } from './encoder-client';
import { trainWorker, type BackendName, type BackendRequest, type EpochReport, type TrainEvent, type TrainSummary } from './train-client';

/** A failed run in the user's terms. */
export interface TrainFailure { code: string; message: string; hint?: string }

/** What to do, in the page's terms, where the core leaves that to the front. */
const HINTS: Record<string, string> = {
  'no-validation': 'Give every label at least two examples on the Data step, add a validation file there, or move some examples to validation on the Review step.',
};

export type Phase = 'idle' | 'data' | 'vectors' | 'backend' | 'training' | 'saving' | 'done' | 'cancelled' | 'failed';

export const PHASE_TEXT: Record<Phase, string> = {
  idle: 'Not started',
  data: 'Reading the project’s examples…',
  vectors: 'Preparing the text features…',
  backend: 'Choosing the backend (timing one training step on each)…',
  training: 'Training…',
  saving: 'Saving the student…',
  done: 'Done',
  cancelled: 'Cancelled; nothing was saved from this run.',
  failed: 'Training failed',
};

export const DEFAULT_EPOCHS = STUDENT_DEFAULTS.wordpool.epochs;

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
  /** `word`: the GloVe word model; `encoder`: a head on the pretrained sentence encoder. */
  student = $state<'word' | 'encoder'>('word');
  encoder = $state<LoadedEncoder | null>(null);
  encoderLoading = $state<LoadProgress | null>(null);
  encoderError = $state<TrainFailure | null>(null);
  /** Texts embedded by the encoder in the run going on. */
  embedded = $state<{ done: number; total: number } | null>(null);
  /** The sets the run going on trains, validates and tests on, and what it left out of them. */
  sets = $state<Extract<TrainEvent, { kind: 'data' }> | null>(null);
  private jobId: string | null = null;

  get busy(): boolean {
    return ['data', 'vectors', 'backend', 'training', 'saving'].includes(this.phase);
  }

  async probe(): Promise<void> {
    try {
      this.available = await trainWorker().backends();
    } catch (e) {
      this.available = [];
      this.error = { code: 'backends', message: `No training backend could start: ${(e as Error).message}`, hint: 'Reload the page; if it persists, try another browser.' };
    }
  }

  /** Loads the pretrained encoder in the worker (the app's copy, the hub, or a picked folder). */
  async loadEncoder(source: EncoderSourceRequest): Promise<void> {
    if (this.encoderLoading) return;
    this.encoderError = null;
    this.encoderLoading = { file: '', done: 0, total: 0 };
    try {
      this.encoder = await loadEncoder(source, (p) => { this.encoderLoading = p; });
    } catch (e) {
      this.encoderError = isUserError(e) ? { code: e.code, message: e.message, hint: e.hint }
        : { code: 'bug', message: `The encoder could not be loaded: ${(e as Error).message}`, hint: 'Reload the page and try again, or use the word-vector student.' };
    } finally {
      this.encoderLoading = null;
    }
  }

  /** The last result saved with the project, if any. */
  async restore(projectId: string): Promise<void> {
    const p = await (await store()).getProject(projectId);
    const saved = p?.settings.train;
    if (saved?.summary && this.phase === 'idle') {
      this.summary = saved.summary;
      this.history = saved.summary.history;
      this.phase = 'done';
    }
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
    this.maxEpochs = this.epochs;
    this.phase = 'data';
    try {
      const summary = await trainWorker().run(
        { projectId, jobId: this.jobId, backend: this.backend, epochs: this.epochs, student: this.student },
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
      if (isAbortError(e)) {
        this.phase = 'cancelled';
      } else {
        this.error = isUserError(e) ? { code: e.code, message: e.message, hint: e.hint ?? HINTS[e.code] }
          : { code: 'bug', message: `Training failed: ${(e as Error).message}`, hint: 'This is a bug in Distillery; your data is unchanged. Reload the page and try again.' };
        this.phase = 'failed';
      }
    } finally {
      this.jobId = null;
    }
  }

  cancel(): void {
    if (this.jobId) void worker().cancel(this.jobId);
  }
}
