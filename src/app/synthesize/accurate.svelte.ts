/**
 * The Synthesize step's Accurate student: the pretrained transformer read in the worker the Train
 * step's way (encode.loadPretrained: the app's copy, else the hub, then kept by the browser), the
 * backends it may train on, and the time its trainings will take here, measured from one step
 * before the run starts (core/projects/synthesis-run.ts estimateSynthesisTraining).
 */
import { isAbortError, isUserError } from '../../core/errors';
import type { SynthesisTrainingEstimate } from '../../core/projects/synthesis-run';
import { synthesisConfig } from '../../core/projects/synthesis';
import { loadPretrained, type LoadedPretrained, type LoadProgress } from '../train/encoder-client';
import type { BackendName } from '../train/train-client';
import { worker } from '../worker-client';
import type { SynthSettings } from './synth-settings';

export type { SynthesisTrainingEstimate };

export interface AccurateFailure { message: string; hint?: string }

export class AccurateStudent {
  /** The transformer read in the worker (the Train step may have read it already). */
  loaded = $state<LoadedPretrained | null>(null);
  loading = $state<LoadProgress | null>(null);
  error = $state<AccurateFailure | null>(null);
  /** The backends this browser starts; null while they are probed. */
  backends = $state<BackendName[] | null>(null);
  estimating = $state(false);
  private measured = $state<(SynthesisTrainingEstimate & { for: string }) | null>(null);
  private jobId: string | null = null;

  /** What the worker has already (a step shown again, a Train step that loaded it). */
  async refresh(): Promise<void> {
    this.loaded = (await worker().encode.loadedPretrained()) ?? null;
    this.backends ??= await worker().train.backends().catch(() => []);
  }

  /** Reads the transformer in the worker; resolves to whether it is loaded (a failure is in `error`). */
  async load(): Promise<boolean> {
    if (this.loading) return false;
    this.error = null;
    this.loading = { file: '', done: 0, total: 0 };
    try {
      this.loaded = await loadPretrained({ kind: 'app' }, (p) => { this.loading = p; });
      return true;
    } catch (e) {
      this.error = isUserError(e) ? { message: e.message, hint: e.hint }
        : { message: `The transformer could not be loaded: ${(e as Error).message}`, hint: 'Reload the page and try again, or choose the Fast student.' };
      return false;
    } finally {
      this.loading = null;
    }
  }

  /** The settings and model an estimate was measured for: any change asks for a new one. */
  private key(s: SynthSettings): string {
    return JSON.stringify([s.budget, s.rounds, s.mix, s.backend ?? 'auto', this.loaded?.id]);
  }

  /** The estimate for these settings, if measured. */
  estimateFor(s: SynthSettings): SynthesisTrainingEstimate | null {
    return this.measured && this.measured.for === this.key(s) ? this.measured : null;
  }

  /** Measures one training step of the run these settings make, in the worker. */
  async measure(projectId: string, s: SynthSettings, teacherModel: string): Promise<void> {
    if (this.estimating || !this.loaded) return;
    this.estimating = true;
    this.error = null;
    this.jobId = `synth-estimate-${Date.now().toString(36)}`;
    const key = this.key(s);
    try {
      const config = synthesisConfig(projectId, this.jobId, s, teacherModel);
      this.measured = { ...await worker().loop.estimate(config, this.jobId), for: key };
    } catch (e) {
      if (!isAbortError(e)) {
        this.error = isUserError(e) ? { message: e.message, hint: e.hint }
          : { message: `The time could not be measured: ${(e as Error).message}`, hint: 'Reload the page and try again, or choose the Fast student.' };
      }
    } finally {
      this.estimating = false;
      this.jobId = null;
    }
  }
}
