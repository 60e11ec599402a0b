// Errors about bad tool input (a broken machine file, a log that does not parse).
// The CLI prints them as one line, "hvosim: FILE:LINE: what", and exits with status 2.

/**
 * Text from input made safe to print on a terminal as part of one line: control characters
 * (C0 but tab, DEL, C1) and the Unicode controls that reorder or hide text (bidi overrides,
 * line and paragraph separators) are shown as escapes (\n, \x1b, \u202e) instead of acting.
 */
export function escapeControl(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, (c) => {
    const n = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

export class InputError extends Error {
  constructor(
    message: string,
    readonly where?: { file?: string; line?: number; field?: string },
  ) {
    super(message);
    this.name = 'InputError';
  }

  /** The single line the CLI prints: whatever the input held, one line, with no control characters acting. */
  describe(): string {
    const w = this.where;
    const loc = [w?.file, w?.line !== undefined ? String(w.line) : undefined].filter(Boolean).join(':');
    const field = w?.field ? `${w.field}: ` : '';
    return escapeControl(`${loc ? `${loc}: ` : ''}${field}${this.message}`);
  }
}
