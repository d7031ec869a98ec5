/**
 * Value parsers for commander's `argParser`, and commander's errors as clean usage messages. Each
 * parser throws a {@link UsageError} whose message names the flag and what it takes, so the user
 * never sees a parser's own wording.
 * @packageDocumentation
 */
import type { CommanderError } from 'commander';
import { CorsPolicy } from '../emulator/cors.js';
import { UsageError } from './io.js';

/** A whole number of milliseconds ≥ 1 (a deadline, a policy time). */
export function milliseconds(flag: string): (value: string) => number {
  return (value) => {
    const ms = Number(value);
    if (value.trim() === '' || !Number.isInteger(ms) || ms < 1) {
      throw new UsageError(`${flag} takes a whole number of milliseconds ≥ 1, not '${value}'`);
    }
    return ms;
  };
}

/** A whole number from `min` to `max`. */
export function wholeNumber(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
      throw new UsageError(`${flag} takes a whole number ${range}, not '${value}'`);
    }
    return n;
  };
}

/** A TCP port: 0 (any free port) to 65535. */
export const port = wholeNumber('--port', 0, 65_535);

/** An absolute `http:` or `https:` URL. */
export function httpUrl(flag: string): (value: string) => string {
  return (value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`${flag} takes an absolute http(s) URL, not '${value}'`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`${flag} takes an http: or https: URL, not ${url.protocol}`);
    }
    return value;
  };
}

/** For a repeatable flag: every value given, in order. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/** `--cors`: collects `*` or a browser origin, checked as the emulator checks it. */
export function corsOrigin(value: string, previous: readonly string[] = []): string[] {
  const origins = collect(value, previous);
  try {
    new CorsPolicy(origins);
  } catch {
    throw new UsageError(`--cors takes * or an origin like https://app.example:8080, not '${value}'`);
  }
  return origins;
}

/**
 * A commander parse error as one clean line: without commander's `error: ` prefix, with its
 * "Did you mean" suggestion on the same line.
 */
export function usageMessage(error: CommanderError): string {
  return error.message
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)$/, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ');
}
