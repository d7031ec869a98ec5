import { Observable, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';

/**
 * Errors with `makeError()` if the source has not completed `ms` after subscription. Unlike rxjs
 * `timeout`, which watches the gap between values, this bounds the whole life of the source.
 * `Infinity` means no deadline.
 */
export function withDeadline<T>(
  ms: number,
  scheduler: SchedulerLike,
  makeError: () => Error,
): MonoTypeOperatorFunction<T> {
  if (ms === Infinity) return (source) => source;
  return (source) =>
    new Observable<T>((subscriber) => {
      const expiry = scheduler.schedule(() => subscriber.error(makeError()), ms);
      const subscription = source.subscribe(subscriber);
      return () => {
        expiry.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
