/**
 * The CLI's own words for what to do about a problem the core reports by code without a hint:
 * they name the command's flags. (The page words its own: app/synthesize/run-errors.ts,
 * app/teacher/teacher-check.ts.)
 */
export const CLI_HINTS: Record<string, string> = {
  'teacher-url': 'Give --teacher-url an http(s) URL such as http://127.0.0.1:11434/v1, or a preset: openai, openrouter, ollama, vllm, llamacpp, lmstudio.',
  'teacher-unreachable': 'Check --teacher-url (it usually ends in /v1) and that the server is running.',
  'teacher-auth': 'Check the key (--api-key-env names the variable that holds it).',
  'teacher-not-api': 'Check --teacher-url: it should point at the OpenAI-compatible API root, usually ending in /v1.',
  'no-validation': 'Give --val FILE with labeled examples of every class, or add more training examples (a few per class at least).',
};
