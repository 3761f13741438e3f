/**
 * The tfjs backends this worker can run on, registered once for all of its namespaces (training,
 * the synthesis loop, the sentence encoder, bundles). Which one runs a job is never decided here:
 * core/student/backend.ts owns that choice, and every job goes through it.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// The wasm backend's binaries, served by the app itself (hashed assets), never from a CDN.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

// Absolute URLs: the worker may run from a blob: URL (app/flow/csp.ts), where relative ones break.
const abs = (u: string) => new URL(u, self.location.origin).href;
setWasmPaths({
  'tfjs-backend-wasm.wasm': abs(wasmPlain),
  'tfjs-backend-wasm-simd.wasm': abs(wasmSimd),
  'tfjs-backend-wasm-threaded-simd.wasm': abs(wasmThreaded),
});

// tfjs-backend-webgpu batches 15 dispatches per command submission by default. With the BERT's
// sequence of ops that gave wrong numbers on WebGPU (SwiftShader: layer 2 of the tiny test BERT
// off by 2.8, MiniLM's vectors by 0.3, where each op alone matched the cpu backend, and the error
// moved with the ops around it); one dispatch per submission gives 2.4e-7 from PyTorch
// (tests/e2e/encoder.spec.ts). Set for the whole worker, since the flag is global to tfjs.
tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 1);
