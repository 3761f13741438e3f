/**
 * The tfjs backend for running transformers in Node. tfjs-node (native TensorFlow) needs a
 * download at install time that these machines cannot make, so the choice is between the pure-JS
 * `cpu` backend and `wasm` (XNNPACK, SIMD): wasm runs MiniLM ~7-30× faster (bench/transformer-speed.ts).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export type NodeBackend = 'wasm' | 'cpu';

/** Sets the named backend, or the fastest that starts (wasm, then cpu); returns the one set. */
export async function useNodeBackend(name?: NodeBackend): Promise<NodeBackend> {
  for (const b of name ? [name] : (['wasm', 'cpu'] as const)) {
    if (await tf.setBackend(b).catch(() => false)) {
      await tf.ready();
      return b;
    }
  }
  throw new Error(`The tfjs ${name ?? 'wasm or cpu'} backend could not start in this Node.`);
}
