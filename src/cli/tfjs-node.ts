/**
 * TensorFlow.js in the CLI. tfjs's cpu backend prints a banner the first time it holds a tensor in
 * Node ("install our node backend…"): advice this project cannot take, since tfjs-node downloads
 * native TensorFlow at install time and installs here work offline from the registries. tfjs's
 * production mode silences its warnings and logs (`PROD` gates only tfjs's own `warn` and `log`; no
 * check of ours depends on it), and each command says itself which backend ran (`backendNote`).
 * main.ts imports this before any command that loads tfjs.
 */
import * as tf from '@tensorflow/tfjs';

tf.env().set('PROD', true);

/** One line on the backend that ran, and why it is not tfjs-node. */
export function backendNote(backend: string): string {
  return `tfjs backend: ${backend} (tfjs-node, the native one, is not used: it downloads TensorFlow when installed, which offline installs cannot)`;
}
