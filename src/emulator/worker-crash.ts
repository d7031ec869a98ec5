/**
 * Thrown by a handler to simulate the worker process dying (what the mock
 * worker does for `mock_crash`). The emulator replaces the worker; the job is
 * requeued once, and FAILED if it crashes a second time.
 */
export class WorkerCrash extends Error {
  /** @param message description of the crash. */
  constructor(message = 'worker crashed') {
    super(message);
    this.name = 'WorkerCrash';
  }
}

/** Structural guard for {@link WorkerCrash} (works across module copies). */
export function isWorkerCrash(value: unknown): value is WorkerCrash {
  return value instanceof Error && value.name === 'WorkerCrash';
}
