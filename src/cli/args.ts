import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/** The `-h, --help` flag every command takes. */
export const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Parses a command's arguments with node:util parseArgs (strict), turning its errors into
 * UsageErrors and checking the number of positionals (unless --help was given).
 */
export function parseCommand<O extends Options>(
  args: readonly string[],
  options: O,
  positionals: number,
): Parsed<O> & { help: boolean } {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const help = (parsed.values as { help?: boolean }).help === true;
  if (!help && parsed.positionals.length !== positionals) {
    throw new UsageError(
      positionals === 0
        ? `unexpected argument: ${parsed.positionals[0]}`
        : `expected ${positionals} argument(s), got ${parsed.positionals.length}`,
    );
  }
  return { ...parsed, help };
}

/** Reads a positive number of milliseconds from an option value. */
export function milliseconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`--${name} takes a positive number of milliseconds`);
  return ms;
}

/** Reads a positive whole number from an option value. */
export function wholeNumber(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} takes a whole number ≥ ${min}`);
  return n;
}

/** Parses a JSON option value. */
export function jsonValue(name: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new UsageError(`--${name} is not valid JSON`);
  }
}
