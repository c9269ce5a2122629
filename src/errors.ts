/** Errors that sixty reports to the user as one line, and the typed error that crosses from the addon. */

/** A failure in native BPF code: which operation, the errno and its name. */
export class BpfError extends Error {
  override name = 'BpfError';
  constructor(
    readonly op: string,
    readonly errno: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A problem the user can act on: printed as one line, exits with `exitCode`, never a stack trace. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** A one-line description of any thrown value. */
export function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? '';
}
