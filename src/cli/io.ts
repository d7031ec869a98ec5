/** Where the CLI reads and writes; injected so tests drive it in-process. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /**
   * What `--input -` reads (the process's stdin when run as a command). Optional so that an
   * in-process caller that never reads it need not provide one; `--input -` without it is a usage
   * error.
   */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
  /** Whether stderr is a terminal: then the status line is redrawn in place. */
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the user asks to stop (Ctrl-C); used by long-running commands. */
  readonly interrupted: Promise<void>;
}

/** Exit codes of the CLI. */
export const EXIT = {
  ok: 0,
  /** The job ended FAILED, CANCELLED or TIMED_OUT. */
  jobFailed: 1,
  /** Bad arguments or configuration. */
  usage: 2,
  /** Any other error (network, HTTP, decode, timeout). */
  error: 3,
} as const;

/** Thrown for a bad command line; printed with the command's help hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What every command gets: the I/O, and where its action reports the exit code. */
export interface CliContext {
  readonly io: CliIo;
  /** Records the exit code of the command that ran. */
  exit(code: number): void;
}
