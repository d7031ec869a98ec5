import { randomBytes, randomUUID } from 'node:crypto';
import type { RandomSource } from './prng.js';

/** Generates job and worker ids. */
export interface IdSource {
  /** A lower-case RFC 4122 version-4 uuid. */
  uuid(): string;
  /** A RunPod-looking worker id. GUESS: 14 lower-case alphanumerics, like ids seen in the wild. */
  workerId(): string;
  /** The suffix of a job id: `u1`, `e1` or `e2` (see {@link JOB_ID_SUFFIXES}). */
  jobSuffix(): string;
}

/**
 * Suffixes a job id may end with. RunPod's documentation shows `-u1` in every example and `-e1`
 * appears in the wild (runpod-python issue #250). GUESS: what the suffix means is undocumented;
 * the emulator draws `u1` half of the time and `e1` or `e2` otherwise, so that no client can
 * assume one suffix.
 */
export const JOB_ID_SUFFIXES: readonly string[] = ['u1', 'u1', 'e1', 'e2'];

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
    jobSuffix() {
      return JOB_ID_SUFFIXES[bytes(1)[0] % JOB_ID_SUFFIXES.length];
    },
  };
}

/** Id of a job created by `/run`: `<uuid>-u1`, `<uuid>-e1`, … */
export function asyncJobId(ids: IdSource): string {
  return `${ids.uuid()}-${ids.jobSuffix()}`;
}

/** Id of a job created by `/runsync`: `sync-<uuid>-u1`, `sync-<uuid>-e1`, … */
export function syncJobId(ids: IdSource): string {
  return `sync-${ids.uuid()}-${ids.jobSuffix()}`;
}
