/**
 * How the page and the worker talk, in one place (Squoosh's worker bridge is the model):
 *
 * - Errors cross as real exceptions. Comlink's own 'throw' handler keeps only an error's message
 *   and name, so a UserError would arrive without its code and hint, and a cancel would look like
 *   a failure. `installErrorTransfer` (called by both sides before anything is sent) replaces it
 *   with one that rebuilds UserError (code, message, hint) and AbortError on the other side; any
 *   other error is a bug and arrives as a plain Error with its message, as before.
 * - The worker's namespaces are proxy-marked (worker.ts), so `Comlink.Remote<WorkerApi>` types
 *   `worker().train.run(…)` as the call it is: no casts on the page.
 * - Long jobs are cancelled by id through one registry (`jobs`): the page calls
 *   `worker().cancel(jobId)` for any of them.
 */
import * as Comlink from 'comlink';
import { AbortError, isAbortError, isUserError, UserError } from '../core/errors';

type Thrown = { value: unknown };
type Serialized =
  | { isError: 'user'; code: string; message: string; hint?: string }
  | { isError: 'abort'; message: string }
  | { isError: boolean; value: unknown };

let installed = false;

export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  // Comlink's default, for everything that is neither a UserError nor a cancel.
  const base = Comlink.transferHandlers.get('throw') as Comlink.TransferHandler<Thrown, Serialized>;
  Comlink.transferHandlers.set('throw', {
    canHandle: (v: unknown): v is Thrown => base.canHandle(v),
    serialize(thrown: Thrown): [Serialized, Transferable[]] {
      const e = thrown.value;
      if (isUserError(e)) return [{ isError: 'user', code: e.code, message: e.message, hint: e.hint }, []];
      if (isAbortError(e)) return [{ isError: 'abort', message: (e as Error).message }, []];
      return base.serialize(thrown);
    },
    deserialize(s: Serialized): Thrown {
      if (s.isError === 'user') throw new UserError(s.code, s.message, s.hint);
      if (s.isError === 'abort') throw new AbortError(s.message);
      return base.deserialize(s);
    },
  } satisfies Comlink.TransferHandler<Thrown, Serialized>);
}

/** The worker's registry of running jobs, by id: `start` gives the job its signal, `cancel` fires it. */
export const jobs = {
  running: new Map<string, AbortController>(),

  /** A signal for job `id`; the job must call `end(id)` when it settles. */
  start(id: string): AbortSignal {
    const ac = new AbortController();
    this.running.set(id, ac);
    return ac.signal;
  },

  end(id: string): void {
    this.running.delete(id);
  },

  /** Stops job `id` at its next check; nothing if it is not running. */
  cancel(id: string): void {
    this.running.get(id)?.abort();
  },
};
