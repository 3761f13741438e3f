/**
 * Writes a freshly trained fixture bundle to the path in argv[2], for the Export step's browser
 * test (run with tsx, so the browser test needs no build step of its own).
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { writeBundle } from '../../src/core/bundle/export.js';
import { fixtureExamples, trainTinyStudent } from '../unit/bundle-fixture.js';

await tf.setBackend('cpu');
const { input, model } = await trainTinyStudent(fixtureExamples());
writeFileSync(process.argv[2], await writeBundle(input));
model.dispose();
