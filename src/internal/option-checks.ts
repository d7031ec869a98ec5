import { ConfigError } from '../errors.js';
import { fitsTimer, MAX_DELAY_MS } from './max-delay.js';

/**
 * Checks of the operators' options, made once when the operator is created, each failure a
 * {@link ConfigError} naming the operator and the option (as rxjs's own operators refuse bad
 * arguments at creation, not on subscribe).
 */

/** A whole number ≥ `min` (or `Infinity` when allowed); the value itself when it is one. */
export function wholeNumberOption(
  owner: string,
  name: string,
  value: number,
  min: number,
  allowInfinity = false,
): number {
  if ((allowInfinity && value === Infinity) || (Number.isInteger(value) && value >= min)) return value;
  throw new ConfigError(`${owner}: ${name} must be a whole number ≥ ${min}${allowInfinity ? ' or Infinity' : ''}`);
}

/** A number of ms a timer can hold: positive (or zero with `allowZero`; `Infinity` with `allowInfinity`). */
export function delayOption(
  owner: string,
  name: string,
  value: number,
  { allowZero = false, allowInfinity = false }: { readonly allowZero?: boolean; readonly allowInfinity?: boolean } = {},
): number {
  if (fitsTimer(value, allowZero) || (allowInfinity && value === Infinity)) return value;
  throw new ConfigError(
    `${owner}: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of ms, at most ${MAX_DELAY_MS}` +
      (allowInfinity ? ', or Infinity' : ''),
  );
}

/** A finite number ≥ `min`. */
export function numberOption(owner: string, name: string, value: number, min: number): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= min) return value;
  throw new ConfigError(`${owner}: ${name} must be a number ≥ ${min}`);
}
