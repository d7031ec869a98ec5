import type { CliIo } from '../../src/cli/main';

/** An in-process CliIo whose output the test reads. */
export interface Captured {
  readonly io: CliIo;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves once `stream` has printed `text` (checked on every write). */
  printed(text: string, stream?: 'stdout' | 'stderr'): Promise<void>;
  interrupt(): void;
}

/** Options of {@link capture}. */
export interface CaptureOptions {
  /** Whether stderr is a terminal. */
  readonly isTTY?: boolean;
  /** What `--input -` reads. */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
}

/** A CliIo over strings, with the given environment. */
export function capture(env: Record<string, string | undefined> = {}, options: CaptureOptions = {}): Captured {
  const text = { stdout: '', stderr: '' };
  const waiters: { text: string; stream: 'stdout' | 'stderr'; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (text[waiter.stream].includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const writer = (stream: 'stdout' | 'stderr') => ({
    write: (chunk: string) => {
      text[stream] += chunk;
      check();
      return true;
    },
  });
  let interrupt = () => undefined as void;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  return {
    io: {
      stdout: writer('stdout'),
      stderr: writer('stderr'),
      ...(options.stdin !== undefined && { stdin: options.stdin }),
      isTTY: options.isTTY ?? false,
      env,
      interrupted,
    },
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    printed: (wanted, stream = 'stderr') =>
      new Promise<void>((resolve) => {
        waiters.push({ text: wanted, stream, resolve });
        check();
      }),
    interrupt: () => interrupt(),
  };
}
