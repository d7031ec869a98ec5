import type * as t from 'io-ts';
import { filter, map, type OperatorFunction } from 'rxjs';
import { decodeOrThrow } from '../src/codecs/decode.js';
import type { JobState } from '../src/codecs/job-state.js';
import { isTerminal } from '../src/codecs/job-status.js';
import { jobEndedError } from '../src/errors.js';

/**
 * Options of {@link selectOutput}. It reads no clock, so it takes no scheduler.
 * @category operators
 */
export interface SelectOutputConfig {
  /**
   * What a FAILED, CANCELLED or TIMED_OUT state does: `'throw'` errors with its typed job error
   * (`JobFailedError`, …), `'skip'` drops it like a non-terminal state (the result then completes
   * empty when the source does).
   * @default 'throw'
   */
  readonly failures?: 'throw' | 'skip' | undefined;
}

/**
 * Maps each COMPLETED job state to its `output`, optionally decoded with an io-ts codec.
 *
 * _Informal: "give me the result", with the failure cases made explicit._
 *
 * - COMPLETED: emits `state.output`; with a `codec`, the decoded value, or a `DecodeError`
 *   whose lines read `JobState/output: …` when it does not match.
 * - IN_QUEUE / IN_PROGRESS: skipped (their `output` is only a progress update).
 * - FAILED / CANCELLED / TIMED_OUT: error with the typed job error (no output will ever come,
 *   so completing empty would hide the failure); `failures: 'skip'` drops them instead.
 *
 * Source errors pass through; unsubscribing is forwarded.
 *
 * ```text
 * source:   -q--p--c|            (c COMPLETED, output 42)
 * subs:     ^-------!
 * selectOutput()
 * result:   -------o|            (o = 42)
 *
 * source:   -q-f|                (f FAILED)
 * selectOutput()
 * result:   ---#                 (# = JobFailedError)
 * ```
 *
 * ## Example
 * ```ts
 * import * as t from 'io-ts';
 * import { createEndpoint } from 'runpod-rx';
 * import { selectOutput } from 'runpod-rx/operators';
 *
 * const Caption = t.type({ caption: t.string });
 * const endpoint = createEndpoint({ endpointId: 'abc123' });
 * endpoint
 *   .runSync({ input: { image: 'https://example.com/fox.png' } })
 *   .pipe(selectOutput(Caption))
 *   .subscribe((output) => console.log(output.caption)); // output is { caption: string }
 * // Output:
 * // a red fox in the snow
 * ```
 *
 * @param codec decodes `output`; a mismatch is a `DecodeError`. Without it the output passes as is.
 * @param config what failed states do.
 * @returns an operator from job states to outputs.
 * @see {@link throwOnJobFailure} to fail on failed states while keeping the states.
 * @category operators
 * @since 0.1.0
 */
export function selectOutput<O = unknown>(
  codec?: undefined,
  config?: SelectOutputConfig,
): OperatorFunction<JobState<O>, O>;
export function selectOutput<A>(
  codec: t.Decoder<unknown, A>,
  config?: SelectOutputConfig,
): OperatorFunction<JobState<unknown>, A>;
export function selectOutput<A>(
  codec?: t.Decoder<unknown, A>,
  config: SelectOutputConfig = {},
): OperatorFunction<JobState<unknown>, A> {
  const throwFailures = (config.failures ?? 'throw') === 'throw';
  return (source) =>
    source.pipe(
      filter((state: JobState<unknown>) => {
        if (state.status === 'COMPLETED') return true;
        if (throwFailures && isTerminal(state.status)) throw jobEndedError(state);
        return false;
      }),
      map((state) =>
        codec === undefined ? (state.output as A) : decodeOrThrow(codec, state.output, undefined, 'JobState/output: '),
      ),
    );
}
