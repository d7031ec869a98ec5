import { randomBytes } from 'node:crypto';

/**
 * A fresh random API key in RunPod's shape (`rpa_` and 40 upper-case hex digits, 160 bits from
 * node:crypto), for an emulator started without `--api-key`.
 */
export function randomApiKey(): string {
  return `rpa_${randomBytes(20).toString('hex').toUpperCase()}`;
}
