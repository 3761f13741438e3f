/**
 * What the Teacher step tells the user to do about a failed check, in its own terms. The words
 * depend on the server type chosen: a hint may only point at what the page shows for it (the
 * "Other (OpenAI-compatible)" choice has no note under Server type, so its hint says what to look
 * for on any server instead).
 */
import { findPreset } from '../../core/teacher/presets.js';

/** How to let this page reach the server (CORS), for the chosen server type. */
export function reachHint(presetId: string, pageOrigin: string): string {
  const preset = findPreset(presetId);
  if (preset && !preset.cors) {
    // Hosted APIs accept requests from web pages: what blocks them is the network or an extension.
    return `Check your internet connection, and that no browser extension blocks requests to ${new URL(preset.baseURL).host}.`;
  }
  const how = preset?.cors ?? `the server's setting for allowed origins (often called CORS) must include ${pageOrigin}, or *`;
  return `If the server runs on your machine, check that it is started and that it allows requests from this page (CORS): ${how}.`;
}

/** The Teacher step's hint for a teacher error code, or undefined to keep the core's own. */
export function teacherHint(code: string, presetId: string, pageOrigin: string): string | undefined {
  const reach = reachHint(presetId, pageOrigin);
  const hints: Record<string, string> = {
    'teacher-url': 'Start the address with http:// or https://, for example http://127.0.0.1:11434/v1.',
    'teacher-unreachable': `Check the address (it usually ends in /v1). ${reach}`,
    'teacher-network': reach,
    'teacher-timeout': reach,
    'teacher-auth': 'Check the API key, and that it may use this model.',
    'teacher-not-api': 'Check the address: it should be the OpenAI-compatible API root, usually ending in /v1.',
    'teacher-rate_limited': 'The server is rate-limiting; wait a minute and try again.',
    'teacher-malformed': 'The model answered, but not in the JSON form asked for; try a larger or instruction-tuned model.',
    'teacher-truncated': 'The model answered, but not in the JSON form asked for; try a larger or instruction-tuned model.',
  };
  return hints[code];
}
