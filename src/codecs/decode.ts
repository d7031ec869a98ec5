import * as t from 'io-ts';
import { DecodeError, truncate, type RequestInfo } from '../errors.js';

const VALUE_PREVIEW = 80;

function preview(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return truncate(text, VALUE_PREVIEW);
}

/** At most this many mismatch lines are reported; the rest are counted in one more line. */
export const MAX_REPORTED_ERRORS = 20;

/**
 * io-ts PathReporter lines, with every value cut to 80 characters and at most
 * {@link MAX_REPORTED_ERRORS} lines (then `… and N more mismatches`), so that a huge, hostile or
 * sensitive body never lands whole in an error message: a body of a million wrong array items
 * gives 21 lines, not a million.
 */
export function reportErrors(errors: t.Errors, prefix = ''): string[] {
  const lines = errors.slice(0, MAX_REPORTED_ERRORS).map((error) => {
    const path = error.context.map(({ key, type }) => (key ? `${key}: ${type.name}` : type.name)).join('/');
    const lead = error.message ? `${error.message}: ` : '';
    return `${lead}Invalid value ${preview(error.value)} supplied to : ${prefix}${path}`;
  });
  if (errors.length > MAX_REPORTED_ERRORS) lines.push(`… and ${errors.length - MAX_REPORTED_ERRORS} more mismatches`);
  return lines;
}

/** Decodes `value` with `codec`, throwing a {@link DecodeError} with path lines on a mismatch. */
export function decodeOrThrow<A>(codec: t.Decoder<unknown, A>, value: unknown, request?: RequestInfo, prefix = ''): A {
  const result = codec.decode(value);
  // `_tag` rather than fp-ts's isLeft: fp-ts has no exports map, so its subpaths break Node ESM.
  if (result._tag === 'Left') throw new DecodeError(reportErrors(result.left, prefix), request);
  return result.right;
}
