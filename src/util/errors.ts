// Errors about bad tool input (a broken machine file, a log that does not parse).
// The CLI prints them as one line, "hvosim: FILE:LINE: what", and exits with status 2.

export class InputError extends Error {
  constructor(
    message: string,
    readonly where?: { file?: string; line?: number; field?: string },
  ) {
    super(message);
    this.name = 'InputError';
  }

  /** The single line the CLI prints. */
  describe(): string {
    const w = this.where;
    const loc = [w?.file, w?.line !== undefined ? String(w.line) : undefined].filter(Boolean).join(':');
    const field = w?.field ? `${w.field}: ` : '';
    return `${loc ? loc + ': ' : ''}${field}${this.message}`;
  }
}
