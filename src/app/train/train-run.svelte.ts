/**
 * One training run as the Train step sees it: the settings, the live per-epoch reports from the
 * worker, the outcome, and the last result of the project (kept in its settings so a reload shows
 * it again). All computation happens in the worker; this only holds state.
 */
import * as Comlink from 'comlink';
import { store } from '../projects/projects';
import { loadEncoder, type EncoderSourceRequest, type LoadedEncoder, type LoadProgress } from './encoder-client';
import { trainWorker, type BackendName, type BackendRequest, type EpochReport, type TrainEvent, type TrainFailure, type TrainSummary } from './train-client';

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

export const DEFAULT_EPOCHS = 30;

/** What the project keeps of its last training run (settings.train). */
export interface SavedTrain {
  summary: TrainSummary;
  finishedAt: string;
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
  /** `word`: the GloVe word model; `encoder`: a head on the pretrained sentence encoder. */
  student = $state<'word' | 'encoder'>('word');
  encoder = $state<LoadedEncoder | null>(null);
  encoderLoading = $state<LoadProgress | null>(null);
  encoderError = $state<TrainFailure | null>(null);
  /** Texts embedded by the encoder in the run going on. */
  embedded = $state<{ done: number; total: number } | null>(null);
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
      const r = await loadEncoder(source, (p) => { this.encoderLoading = p; });
      if ('error' in r) this.encoderError = { code: r.code, message: r.error, hint: r.hint };
      else this.encoder = r;
    } catch (e) {
      this.encoderError = { code: 'bug', message: `The encoder could not be loaded: ${(e as Error).message}`, hint: 'Reload the page and try again, or use the word-vector student.' };
    } finally {
      this.encoderLoading = null;
    }
  }

  /** The last result saved with the project, if any. */
  async restore(projectId: string): Promise<void> {
    const p = await (await store()).getProject(projectId);
    const saved = p?.settings.train as SavedTrain | undefined;
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
    this.maxEpochs = this.epochs;
    this.phase = 'data';
    try {
      const result = await trainWorker().run(
        { projectId, jobId: this.jobId, backend: this.backend, epochs: this.epochs, student: this.student },
        Comlink.proxy((e: TrainEvent) => {
          if (e.kind === 'phase') {
            if (this.phase !== 'cancelled') this.phase = e.phase;
            if (e.phase === 'training' && e.detail) this.runningOn = e.detail;
          } else if (e.kind === 'embed') {
            this.embedded = { done: e.done, total: e.total };
          } else {
            this.history = [...this.history, e.report];
          }
        }),
      );
      if (result.ok) {
        this.summary = result.summary;
        this.history = result.summary.history;
        this.phase = 'done';
        await this.save(projectId, { summary: result.summary, finishedAt: new Date().toISOString() });
      } else if (result.cancelled) {
        this.phase = 'cancelled';
      } else {
        this.error = result.error ?? { code: 'unknown', message: 'Training stopped without saying why.' };
        this.phase = 'failed';
      }
    } catch (e) {
      this.error = { code: 'bug', message: `Training failed: ${(e as Error).message}`, hint: 'This is a bug in Distillery; your data is unchanged. Reload the page and try again.' };
      this.phase = 'failed';
    } finally {
      this.jobId = null;
    }
  }

  cancel(): void {
    if (this.jobId) void trainWorker().cancel(this.jobId);
  }

  private async save(projectId: string, saved: SavedTrain): Promise<void> {
    try {
      const s = await store();
      const p = await s.getProject(projectId);
      if (p) await s.putProject({ ...p, updatedAt: new Date().toISOString(), settings: { ...p.settings, train: $state.snapshot(saved) } });
    } catch (e) {
      // The model itself is stored; only the summary shown after a reload is lost.
      this.error = { code: 'save-summary', message: `The student is saved, but its summary could not be: ${(e as Error).message}`, hint: 'Free some disk space; the Export step still finds the student.' };
    }
  }
}
