/**
 * A synthesis run's error in words for the page. The core's hints are written for the CLI
 * ("run the same command again", "--teacher-url"); on the page the same problems are fixed with
 * the page's own steps and buttons, so the hint is replaced by one that names them.
 */
export interface RunError { code: string; message: string; hint?: string }

const WEB_HINTS: Record<string, string> = {
  'teacher-failing': 'Check that the teacher server is running and answers (Teacher step → Test connection), then press Resume: the run carries on where it stopped.',
  'teacher-unreachable': 'Check the server address on the Teacher step (it usually ends in /v1) and that the server is running, then press Resume.',
  'teacher-auth': 'Check the API key on the Teacher step, then press Resume.',
  'teacher-not-api': 'Check the server address on the Teacher step: it should be the OpenAI-compatible API root, usually ending in /v1. Then press Resume.',
  'teacher-url': 'Set an http:// or https:// server address on the Teacher step, then press Resume.',
  'teacher-model': 'Pick a model the server lists on the Teacher step, then press Start over (a run keeps the model it started with).',
  'run-changed': 'The teacher model or the project\'s seeds changed since this run started, so it cannot be resumed. Press Start over for a new run.',
  'budget-too-small': 'Raise the budget, give fewer strategies a weight, or lower the error-fixing rounds, then press Start over.',
  'one-class': 'Add labeled examples of at least two labels on the Data step.',
  'class-without-seed': 'Add at least one labeled example of every label on the Data step.',
  'val-missing-class': 'Give every label at least two examples on the Data step.',
  'no-unlabeled': 'Set "Label your unlabeled texts" to 0, or add unlabeled texts on the Data step.',
  'transformer-not-loaded': 'Press Load the transformer under Settings, then Resume; or choose Fast and press Start over. Everything the run made so far is kept.',
};

/** The message, what was kept, and what to do. `accepted`: teacher examples the run has so far. */
export function runErrorText(err: RunError, accepted: number): string {
  const hint = WEB_HINTS[err.code] ?? err.hint ?? '';
  const kept = accepted > 0 && err.code.startsWith('teacher-')
    ? ` The ${accepted} example${accepted === 1 ? '' : 's'} accepted so far ${accepted === 1 ? 'is' : 'are'} kept.`
    : '';
  // Core messages may end in a quoted error that has its own full stop ("(HTTP 500).").
  const message = err.message.replace(/\.\.$/, '.');
  return `${message}${kept}${hint ? ` ${hint}` : ''}`;
}
