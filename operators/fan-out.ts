import {
  asyncScheduler,
  catchError,
  defer,
  map,
  mergeMap,
  of,
  switchMap,
  type Observable,
  type OperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import { wholeNumberOption } from '../src/internal/option-checks.js';
import type { RouteName } from '../src/transport/transport.js';
import { createRequestBudget, type RequestBudget } from './request-budget.js';

/**
 * Options of {@link fanOut}.
 * @category operators
 */
export interface FanOutConfig<T> {
  /** Projections running at once (an item holds its slot while it waits for a token). @default 100 */
  readonly concurrency?: number | undefined;
  /**
   * The budget every item draws a token from before its projection starts. Share one between
   * pipelines that use the same endpoint.
   * @default a new createRequestBudget({ scheduler }) per subscription (RunPod's limits)
   */
  readonly budget?: RequestBudget | undefined;
  /**
   * The route each item's projection starts with (its token is taken from that route's bucket),
   * or a function of the item, or `null` to take no token here: use `null` when the endpoint's
   * transport is already wrapped with `budget.wrap`, which charges every request.
   * @default 'run'
   */
  readonly route?: RouteName | ((item: T, index: number) => RouteName) | null | undefined;
  /** Clock of the default budget (unused when `budget` is given). @default asyncScheduler */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * What {@link fanOut} emits: each value of an item's projection, or the error that ended it.
 * `index` is the item's position in the source, from 0.
 * @category operators
 */
export type FanOutResult<T, R> =
  | { readonly kind: 'value'; readonly index: number; readonly item: T; readonly value: R }
  | { readonly kind: 'error'; readonly index: number; readonly item: T; readonly error: unknown };

/**
 * Runs one request-producing projection per source item, at most `concurrency` at once and never
 * faster than the route's request budget allows, so a batch of thousands stays inside RunPod's
 * rate windows instead of setting off a storm of 429s.
 *
 * _Informal: `mergeMap(project, concurrency)` that waits for a rate token before each item, and
 * that reports each item's failure as a value instead of dying on it._
 *
 * - **Budget**: before its projection is subscribed, each item takes one token of `route`'s bucket
 *   (default `'run'`: 1000 per 10 s). Items wait first come, first served.
 * - **Order**: results are emitted as they arrive (completion order, like `mergeMap`), not in
 *   source order; each carries its `index` and `item`, so sort by `index` if you need order.
 * - **Errors**: an error of one projection is emitted as `{ kind: 'error', index, item, error }`
 *   and that item ends; the others go on. An error of the *source* ends the result.
 * - Completes when the source and every projection have completed. Unsubscribing cancels the
 *   projections in flight and leaves the queue.
 *
 * ```text
 * fanOut(project, { concurrency: 2, budget })   budget: { run: 2 } per 10 ms
 * source:   (abcd|)
 * project:  each item → -(r|)        a, b subscribed at 0 ('^!'); c, d wait for tokens ('10ms ^!')
 * result:   -(AB) 6ms (CD|)          (A = { kind: 'value', index: 0, item: 'a', value: 'r' }, …)
 * ```
 *
 * ## Example
 * ```ts
 * import { from } from 'rxjs';
 * import { createEndpoint } from 'runpod-rx';
 * import { fanOut } from 'runpod-rx/operators';
 *
 * const endpoint = createEndpoint({ endpointId: 'abc123' });
 * const prompts = Array.from({ length: 5000 }, (_, i) => `prompt ${i}`);
 * from(prompts)
 *   .pipe(fanOut((prompt) => endpoint.run({ input: { prompt } }), { concurrency: 200 }))
 *   .subscribe((result) =>
 *     result.kind === 'value'
 *       ? console.log(result.index, result.value.id)
 *       : console.error(result.index, result.error),
 *   );
 * // Output (about 40 s: 1000 /run per 10 s):
 * // 0 3c4d…-u1
 * // 1 9a0b…-u1
 * // …
 * ```
 *
 * @param project the work of one item: a cold Observable (e.g. `endpoint.run(...)`).
 * @param config concurrency, budget, route, scheduler.
 * @returns an operator from items to tagged results.
 * @see {@link createRequestBudget} to share one budget between pipelines.
 * @throws {ConfigError} when created, for a concurrency that is not a whole number ≥ 1 or Infinity.
 * @category operators
 * @since 0.1.0
 */
export function fanOut<T, R>(
  project: (item: T, index: number) => Observable<R>,
  config: FanOutConfig<T> = {},
): OperatorFunction<T, FanOutResult<T, R>> {
  const concurrency = wholeNumberOption('fanOut', 'concurrency', config.concurrency ?? 100, 1, true);
  const route = config.route === undefined ? 'run' : config.route;
  return (source) =>
    defer(() => {
      const budget = config.budget ?? createRequestBudget({ scheduler: config.scheduler ?? asyncScheduler });
      return source.pipe(
        mergeMap((item: T, index: number) => {
          const start$ =
            route === null ? of(0) : budget.acquire(typeof route === 'function' ? route(item, index) : route);
          return start$.pipe(
            switchMap(() => project(item, index)),
            map((value): FanOutResult<T, R> => ({ kind: 'value', index, item, value })),
            catchError((error: unknown) => of<FanOutResult<T, R>>({ kind: 'error', index, item, error })),
          );
        }, concurrency),
      );
    });
}
