/**
 * The chosen teacher (preset, base URL, model), kept on this device between visits. Never the key:
 * that is key-store.ts's business. The origin of the base URL also feeds the page's CSP (flow/csp.ts).
 */
import { TEACHER_PRESETS, findPreset } from '../../core/teacher/presets.js';

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

/** A problem with a base URL the user typed, or null when it looks usable. */
export function baseUrlProblem(baseURL: string): string | null {
  const t = baseURL.trim();
  if (!t) return 'Enter the server address, for example https://api.openai.com/v1.';
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    return `"${t}" is not a web address. Start it with http:// or https://, for example http://127.0.0.1:11434/v1.`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `Use an http:// or https:// address, not ${u.protocol}.`;
  if (u.username || u.password) return 'Do not put the key in the address; use the API key field below.';
  return null;
}
