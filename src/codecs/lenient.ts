import * as t from 'io-ts';

/**
 * An optional field that also accepts `null` (decoded as absent), so a server that writes
 * `"error": null` is not a decode failure.
 */
export function optional<A, O>(codec: t.Type<A, O, unknown>): t.Type<A | undefined, O | undefined, unknown> {
  return new t.Type<A | undefined, O | undefined, unknown>(
    codec.name,
    (u): u is A | undefined => u === undefined || codec.is(u),
    (u, c) => (u === undefined || u === null ? t.success(undefined) : codec.validate(u, c)),
    (a) => (a === undefined ? undefined : codec.encode(a)),
  );
}

/**
 * RunPod's `error` field: a string in every documented case. A worker that reports an object is
 * tolerated by turning it into its JSON text, so a failure is never hidden behind a decode error.
 */
export const ErrorText = new t.Type<string, string, unknown>(
  'ErrorText',
  (u): u is string => typeof u === 'string',
  (u, c) => {
    if (typeof u === 'string') return t.success(u);
    if (typeof u === 'object' && u !== null) return t.success(JSON.stringify(u));
    return t.failure(u, c, 'expected a string or an object');
  },
  t.identity,
);

/**
 * `t.array(codec)` that stops validating after `maxErrors` invalid items, so that a hostile
 * array of millions of wrong items costs a few error objects, not millions.
 */
export function boundedArray<A, O>(
  codec: t.Type<A, O, unknown>,
  name = `Array<${codec.name}>`,
  maxErrors = 10,
): t.Type<A[], O[], unknown> {
  return new t.Type<A[], O[], unknown>(
    name,
    (u): u is A[] => Array.isArray(u) && u.every((item) => codec.is(item)),
    (u, c) => {
      if (!Array.isArray(u)) return t.failure(u, c);
      const items: A[] = [];
      const errors: t.ValidationError[] = [];
      for (let i = 0; i < u.length && errors.length < maxErrors; i++) {
        const result = codec.validate(u[i], t.appendContext(c, String(i), codec, u[i]));
        if (result._tag === 'Left') errors.push(...result.left);
        else items.push(result.right);
      }
      return errors.length > 0 ? t.failures(errors) : t.success(items);
    },
    (items) => items.map((item) => codec.encode(item)),
  );
}
