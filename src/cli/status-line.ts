import type { CliIo } from './io.js';
import { duration } from './format.js';

/**
 * Reports a job's status while the CLI waits: on a terminal, one line redrawn in place with the
 * status and the time elapsed; otherwise one plain line per change.
 */
export class StatusLine {
  private readonly startedAt = Date.now();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private current = '';
  private drawn = false;

  constructor(private readonly io: CliIo) {}

  /** Shows a new status (a changed status is always printed). */
  update(status: string): void {
    if (status === this.current) return;
    this.current = status;
    if (!this.io.isTTY) {
      this.io.stderr.write(`${status} (${duration(Date.now() - this.startedAt)})\n`);
      return;
    }
    this.draw();
    this.ticker ??= setInterval(() => this.draw(), 100);
  }

  /** Prints a line above the status line (e.g. a streamed chunk goes to stdout meanwhile). */
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
