/**
 * The chosen teacher (preset, base URL, model), kept on this device between visits. Never the key:
 * that is key-store.ts's business. The origin of the base URL also feeds the page's CSP (flow/csp.ts).
 */
import { TEACHER_PRESETS, findPreset } from '../../core/teacher/presets.js';
import { endpointProblem } from '../../core/teacher/endpoint.js';

export interface TeacherSettings {
  presetId: string;
  baseURL: string;
  model: string;
}

/** What "Test connection" hands to the caller; the key stays in memory. */
export interface TestRequest extends TeacherSettings { apiKey: string }

const KEY = 'distillery.teacher';

export const DEFAULT_TEACHER: TeacherSettings = { presetId: TEACHER_PRESETS[0].id, baseURL: TEACHER_PRESETS[0].baseURL, model: '' };

export function loadTeacherSettings(storage: Pick<Storage, 'getItem'> = localStorage): TeacherSettings {
  try {
    const v = JSON.parse(storage.getItem(KEY) ?? 'null') as Partial<TeacherSettings> | null;
    if (!v || typeof v.baseURL !== 'string') return { ...DEFAULT_TEACHER };
    return {
      presetId: typeof v.presetId === 'string' && (v.presetId === 'custom' || findPreset(v.presetId)) ? v.presetId : 'custom',
      baseURL: v.baseURL,
      model: typeof v.model === 'string' ? v.model : '',
    };
  } catch {
    return { ...DEFAULT_TEACHER };
  }
}

export function saveTeacherSettings(s: TeacherSettings, storage: Pick<Storage, 'setItem'> = localStorage): void {
  try {
    storage.setItem(KEY, JSON.stringify({ presetId: s.presetId, baseURL: s.baseURL, model: s.model }));
  } catch {
    // Quota full: the settings hold for this visit only.
  }
}

/** A problem with a base URL the user typed (core/teacher/endpoint.ts decides), in the Teacher step's words; null when usable. */
export function baseUrlProblem(baseURL: string): string | null {
  const t = baseURL.trim();
  switch (endpointProblem(baseURL)?.kind) {
    case undefined: return null;
    case 'empty': return 'Enter the server address, for example https://api.openai.com/v1.';
    case 'not-a-url': return `"${t}" is not a web address. Start it with http:// or https://, for example http://127.0.0.1:11434/v1.`;
    case 'not-http': return `Use an http:// or https:// address, not ${new URL(t).protocol}.`;
    case 'credentials': return 'Do not put the key in the address; use the API key field below.';
  }
}
