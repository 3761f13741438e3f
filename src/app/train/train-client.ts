/** The Train step's handle on the worker's `train` namespace, and the types it answers with. */
import type * as Comlink from 'comlink';
import { worker } from '../worker-client';
import type { trainApi } from '../../worker/train';

export type { BackendRequest, TrainEvent, TrainFailure, TrainResult, TrainSummary, PredictionOut } from '../../worker/train';
export type { EpochReport } from '../../core/student/train';
export type { BackendName } from '../../core/student/backend';

export const trainWorker = () => worker().train as unknown as Comlink.Remote<typeof trainApi>;
