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

/**
 * io-ts PathReporter lines, with every value cut to 80 characters so that a huge or sensitive
 * body never lands whole in an error message.
 */
export function reportErrors(errors: t.Errors, prefix = ''): string[] {
  return errors.map((error) => {
    const path = error.context.map(({ key, type }) => (key ? `${key}: ${type.name}` : type.name)).join('/');
    const lead = error.message ? `${error.message}: ` : '';
    return `${lead}Invalid value ${preview(error.value)} supplied to : ${prefix}${path}`;
  });
}

/** Decodes `value` with `codec`, throwing a {@link DecodeError} with path lines on a mismatch. */
export function decodeOrThrow<A>(codec: t.Decoder<unknown, A>, value: unknown, request?: RequestInfo, prefix = ''): A {
  const result = codec.decode(value);
  // `_tag` rather than fp-ts's isLeft: fp-ts has no exports map, so its subpaths break Node ESM.
  if (result._tag === 'Left') throw new DecodeError(reportErrors(result.left, prefix), request);
  return result.right;
}
