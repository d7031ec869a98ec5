import * as t from 'io-ts';

/**
 * The six job statuses of the RunPod queue API.
 *
 * `RUNNING` appears on one RunPod docs page but in no SDK; it is decoded as `IN_PROGRESS`, so it
 * is never emitted. Any other string is a {@link DecodeError}, never "still running".
 * @category codecs
 */
export type JobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

/** The four statuses after which a job never changes again. @category codecs */
export type TerminalStatus = 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

const statuses = t.keyof({
  IN_QUEUE: null,
  IN_PROGRESS: null,
  COMPLETED: null,
  FAILED: null,
  CANCELLED: null,
  TIMED_OUT: null,
});

/**
 * io-ts codec of {@link JobStatus}.
 * @category codecs
 */
export const JobStatus: t.Type<JobStatus, string, unknown> = new t.Type<JobStatus, string, unknown>(
  'JobStatus',
  statuses.is,
  (input, context) => (input === 'RUNNING' ? t.success('IN_PROGRESS') : statuses.validate(input, context)),
  t.identity,
);

const TERMINAL: ReadonlySet<string> = new Set<TerminalStatus>(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

/**
 * Whether a status (or a state carrying one) is terminal: COMPLETED, FAILED, CANCELLED or TIMED_OUT.
 *
 * @example
 * isTerminal('CANCELLED'); // true
 * isTerminal({ id: 'j1', status: 'IN_QUEUE' }); // false
 * @category guards
 */
export function isTerminal(statusOrState: JobStatus | { readonly status: JobStatus }): boolean {
  return TERMINAL.has(typeof statusOrState === 'string' ? statusOrState : statusOrState.status);
}
