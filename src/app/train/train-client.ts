/** The Train step's handle on the worker's `train` namespace, and the types it answers with. */
import { worker } from '../worker-client';

export type { TrainEvent } from '../../core/projects/train';
export type { TrainSummary } from '../../core/projects/settings';
export type { EpochReport, StepReport } from '../../core/student/train';
export type { TrainingEstimate } from '../../core/student/finetune/estimate';
export type { BackendChoice, BackendName, BackendRequest } from '../../core/student/backend';
export type { Prediction } from '../../core/student/predict';

export const trainWorker = () => worker().train;
