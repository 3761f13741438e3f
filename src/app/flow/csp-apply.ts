/**
 * Imported first by main.ts: evaluating this module puts the connect-src policy in force (see
 * csp.ts). A module of its own because ES imports are evaluated in order, so this runs before any
 * other module of the app is evaluated.
 */
import { applyConnectPolicy } from './csp';

applyConnectPolicy();
