import { createHash, timingSafeEqual } from 'node:crypto';

/** Decides whether an `Authorization` header value is acceptable. */
export type KeyCheck = (authorization: string | undefined) => boolean;

/**
 * Extracts the key from `Authorization: Bearer K` or a raw `Authorization: K`.
 * Returns `undefined` when absent or blank.
 */
export function extractKey(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  let value = authorization.trim();
  const bearer = /^bearer(\s+|$)/i.exec(value);
  if (bearer) value = value.slice(bearer[0].length).trim();
  return value.length > 0 ? value : undefined;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Builds the key check. With `apiKey` the presented key must match it (compared
 * in constant time over equal-length SHA-256 digests); without it any non-empty
 * key is accepted. A missing key is always refused.
 */
export function createKeyCheck(apiKey: string | undefined): KeyCheck {
  const expected = apiKey === undefined ? undefined : digest(apiKey);
  return (authorization) => {
    const key = extractKey(authorization);
    if (key === undefined) return false;
    if (expected === undefined) return true;
    return timingSafeEqual(digest(key), expected);
  };
}
