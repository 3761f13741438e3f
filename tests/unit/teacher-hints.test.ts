/**
 * Issue 19, item 6: the Teacher step's hints point only at what the page shows for the chosen
 * server type. "Other (OpenAI-compatible)" has no note under Server type, so its hint must not
 * send the user there; it says what to look for on any server, with this page's address.
 */
import { describe, expect, it } from 'vitest';
import { TEACHER_PRESETS } from '../../src/core/teacher/presets.js';
import { reachHint, teacherHint } from '../../src/app/teacher/teacher-hints.js';

const PAGE = 'http://127.0.0.1:4173';

describe('teacher hints by server type', () => {
  it('"Other (OpenAI-compatible)": no note to point at, so the hint says what to allow, naming this page', () => {
    for (const code of ['teacher-unreachable', 'teacher-network', 'teacher-timeout']) {
      const hint = teacherHint(code, 'custom', PAGE)!;
      expect(hint).not.toMatch(/Server type|note/i);
      expect(hint).toContain(`allowed origins (often called CORS) must include ${PAGE}, or *`);
    }
  });

  it('a local server type says how that server allows this page, in its own terms', () => {
    expect(reachHint('ollama', PAGE)).toContain('OLLAMA_ORIGINS=*');
    expect(reachHint('vllm', PAGE)).toContain('--allowed-origins');
    expect(reachHint('lmstudio', PAGE)).toContain('Enable CORS');
  });

  it('a hosted API is not told to change its CORS settings', () => {
    expect(reachHint('openai', PAGE)).toBe('Check your internet connection, and that no browser extension blocks requests to api.openai.com.');
  });

  it('no hint, for any server type, refers to a note the page does not show', () => {
    for (const id of [...TEACHER_PRESETS.map((p) => p.id), 'custom']) {
      for (const code of ['teacher-unreachable', 'teacher-network', 'teacher-timeout', 'teacher-auth', 'teacher-url']) {
        expect(teacherHint(code, id, PAGE) ?? '').not.toMatch(/note under Server type/);
      }
    }
  });
});
