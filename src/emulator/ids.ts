import { randomBytes, randomUUID } from 'node:crypto';
import type { RandomSource } from './prng.js';

/** Generates job and worker ids. */
export interface IdSource {
  /** A lower-case RFC 4122 version-4 uuid. */
  uuid(): string;
  /** A RunPod-looking worker id. GUESS: 14 lower-case alphanumerics, like ids seen in the wild. */
  workerId(): string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Creates an {@link IdSource}. With `random` (seeded) the ids are reproducible,
 * otherwise they come from `node:crypto`.
 */
export function createIdSource(random?: RandomSource): IdSource {
  const bytes = (n: number): Uint8Array => {
    if (!random) return randomBytes(n);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256);
    return out;
  };
  return {
    uuid() {
      if (!random) return randomUUID();
      const b = bytes(16);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
    workerId() {
      return Array.from(bytes(14), (x) => ALPHABET[x % ALPHABET.length]).join('');
    },
  };
}

/** Id of a job created by `/run`: `<uuid>-u1`. */
export function asyncJobId(ids: IdSource): string {
  return `${ids.uuid()}-u1`;
}

/** Id of a job created by `/runsync`: `sync-<uuid>-u1`. */
export function syncJobId(ids: IdSource): string {
  return `sync-${ids.uuid()}-u1`;
}
