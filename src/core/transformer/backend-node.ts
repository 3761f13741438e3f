/**
 * The tfjs backend for running transformers in Node. tfjs-node (native TensorFlow) needs a
 * download at install time that these machines cannot make, so the choice is between the pure-JS
 * `cpu` backend and `wasm` (XNNPACK, SIMD): wasm runs MiniLM ~7-30× faster (bench/transformer-speed.ts).
 *
 * Importing this module registers the wasm backend (with a higher priority than cpu, so only
 * commands that run a transformer import it). Which backend is set stays the backend policy's
 * decision (core/student/backend.ts): `useNodeBackend` asks it, as a job of its own.
 */
import '@tensorflow/tfjs-backend-wasm';
import { withBackend } from '../student/backend.js';

export type NodeBackend = 'wasm' | 'cpu';

/** Fastest first. */
export const NODE_BACKENDS: readonly NodeBackend[] = ['wasm', 'cpu'];

/** Sets the named backend, or the first of NODE_BACKENDS that starts; returns the one set. */
export async function useNodeBackend(name?: NodeBackend): Promise<NodeBackend> {
  return withBackend(name ? [name] : NODE_BACKENDS, async ({ backend }) => backend as NodeBackend);
}
