import { InvalidInputError } from '../errors.js';

/**
 * `JSON.stringify` that refuses what JSON cannot carry faithfully instead of dropping or crashing:
 * functions, symbols, BigInt, non-finite numbers and cycles each give an {@link InvalidInputError}
 * naming the path.
 */
export function toJson(value: unknown, what: string): string {
  const ancestors: object[] = [];
  const replacer = function (this: unknown, key: string, current: unknown): unknown {
    // `this` is the holder; keep `ancestors` equal to the chain of objects above `current`.
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    const where = () => (key === '' ? what : `${what} at key "${key}"`);
    switch (typeof current) {
      case 'function':
      case 'symbol':
        throw new InvalidInputError(`${where()} is a ${typeof current}, which JSON cannot carry`);
      case 'bigint':
        throw new InvalidInputError(`${where()} is a BigInt, which JSON cannot carry; convert it to a string`);
      case 'number':
        if (!Number.isFinite(current)) throw new InvalidInputError(`${where()} is ${current}, which JSON cannot carry`);
        return current;
      case 'object':
        if (current === null) return current;
        if (ancestors.includes(current)) throw new InvalidInputError(`${where()} is a circular reference`);
        ancestors.push(current);
        return current;
      default:
        return current;
    }
  };
  try {
    return JSON.stringify(value, replacer) ?? 'null';
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError(`${what} is not JSON-serialisable: ${(error as Error).message}`);
  }
}
