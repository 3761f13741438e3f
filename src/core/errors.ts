/**
 * Errors a user can cause (a bad file, a teacher that will not answer, a full disk) are values of
 * this type: `message` says what is wrong, `hint` says what to do about it. Anything else that
 * throws is a bug and should surface as such.
 */
export class UserError extends Error {
  readonly code: string;
  readonly hint?: string;

  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.hint = hint;
  }

  /** The one line shown to a person: what is wrong, then what to do. */
  get userMessage(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof Error && (e as { name?: string }).name === 'UserError' && 'code' in e;
}

/** Thrown (or rethrown) when an AbortSignal fires, so callers can tell a cancel from a failure. */
export class AbortError extends Error {
  constructor(message = 'The operation was cancelled.') {
    super(message);
    this.name = 'AbortError';
  }
}

export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortError();
}
