/**
 * `Partial<T>` whose fields also accept `undefined` (as absent), so that options can be forwarded
 * (`{ count: options.count }`) under `exactOptionalPropertyTypes`. A field given as `undefined`
 * keeps its default.
 *
 * @example
 * const retry: OptionalFields<RetryPolicy> = { count: process.env.CI ? 5 : undefined };
 * @category config
 */
export type OptionalFields<T> = { [K in keyof T]?: T[K] | undefined };
