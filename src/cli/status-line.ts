import { isTerminal, type JobState } from '../index.js';
import type { CliIo } from './io.js';
import { duration, show } from './format.js';

/** Longest progress text shown on the status line; longer text is cut with `…`. */
const PROGRESS_WIDTH = 60;

/** A state as the status line shows it: the status, and a running job's progress output. */
function describe(state: JobState): string {
  if (isTerminal(state) || state.output === undefined) return state.status;
  const progress = show(state.output).replace(/\s+/g, ' ');
  return `${state.status} ${progress.length > PROGRESS_WIDTH ? `${progress.slice(0, PROGRESS_WIDTH - 1)}…` : progress}`;
}

/**
 * Reports a job's states while the CLI waits: every status (IN_QUEUE, IN_PROGRESS, …) and each
 * progress update, with the time elapsed. On a terminal, one line redrawn in place; otherwise
 * one plain line per change.
 */
export class StatusLine {
  private readonly startedAt = Date.now();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private current = '';
  private drawn = false;

  constructor(private readonly io: CliIo) {}

  /** Shows a state; a state that reads the same as the last one is not repeated. */
  update(state: JobState): void {
    const text = describe(state);
    if (text === this.current) return;
    this.current = text;
    if (!this.io.isTTY) {
      this.io.stderr.write(`${text} (${duration(Date.now() - this.startedAt)})\n`);
      return;
    }
    this.draw();
    this.ticker ??= setInterval(() => this.draw(), 100);
  }

  /** Clears the status line so that a line can be printed (e.g. a streamed chunk on stdout). */
  clear(): void {
    if (this.io.isTTY && this.drawn) {
      this.io.stderr.write('\r\x1b[2K');
      this.drawn = false;
    }
  }

  /** Stops redrawing and leaves the last status on its own line. */
  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.io.isTTY && this.drawn) this.io.stderr.write('\n');
    this.drawn = false;
  }

  private draw(): void {
    this.io.stderr.write(`\r\x1b[2K${this.current}  ${duration(Date.now() - this.startedAt)}`);
    this.drawn = true;
  }
}
