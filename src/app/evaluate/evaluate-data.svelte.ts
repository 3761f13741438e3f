/**
 * The Evaluate step's data: the project's evaluation (core/projects/evaluation.ts) read from
 * IndexedDB, held as state for the page.
 */
import { projectEvaluation, type Misclassified, type RoundMetrics } from '../../core/projects/evaluation';
import { store } from '../projects/projects';

export class EvaluateData {
  rounds = $state<RoundMetrics[]>([]);
  labels = $state<string[]>([]);
  /** Mistakes per round (validation), when the run recorded them. */
  mistakes = $state<Record<number, Misclassified[]>>({});
  /** The round number given to the Train step's model, or null when there is none. */
  trainedRound = $state<number | null>(null);
  loaded = $state(false);
  error = $state<string | null>(null);

  async load(projectId: string): Promise<void> {
    try {
      const e = await projectEvaluation(await store(), projectId);
      this.labels = e.labels;
      this.trainedRound = e.trainedRound;
      this.rounds = e.rounds;
      this.mistakes = e.mistakes;
    } catch (e) {
      this.error = `Could not read the results: ${(e as Error).message}. Reload the page to try again.`;
    }
    this.loaded = true;
  }
}
