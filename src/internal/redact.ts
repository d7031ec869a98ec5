/** What stands in for a secret in any text runpod-rx shows. */
export const REDACTED = '[redacted]';

/** A run of this many characters of the secret counts as a piece of it (shorter secrets: the whole). */
const PIECE = 8;

/** The secret of an `Authorization` value: the token after `Bearer `, or the raw value. */
export function secretOf(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const token = authorization.replace(/^Bearer\s+/i, '');
  return token === '' ? undefined : token;
}

/** A character that can continue a token: a short secret inside a longer word is not that secret. */
const WORD = /[A-Za-z0-9_-]/;

/** Whether `text[from, to)` stands alone: no token character right before or after it. */
const standsAlone = (text: string, from: number, to: number) =>
  !(from > 0 && WORD.test(text[from - 1])) && !(to < text.length && WORD.test(text[to]));

/**
 * The ranges `[from, to)` of `text` covered by pieces of `secret`, in order, merged when they
 * touch. A secret shorter than a piece counts only where it stands alone ("k" is not found in
 * "socket"), so that a toy key used in tests does not maim every message.
 */
function piecesIn(text: string, secret: string | undefined): [number, number][] {
  if (secret === undefined || secret === '') return [];
  const size = Math.min(PIECE, secret.length);
  const short = secret.length < PIECE;
  const pieces = new Set<string>();
  for (let i = 0; i + size <= secret.length; i++) pieces.add(secret.slice(i, i + size));
  const ranges: [number, number][] = [];
  for (let i = 0; i + size <= text.length; i++) {
    if (!pieces.has(text.slice(i, i + size))) continue;
    if (short && !standsAlone(text, i, i + size)) continue;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && i <= last[1]) last[1] = i + size;
    else ranges.push([i, i + size]);
  }
  return ranges;
}

/**
 * `text` with the secret, and every piece of it of 8 characters or more, replaced by
 * {@link REDACTED} (a secret shorter than that: where it stands alone): a foreign error may show a key whole, cut short, or split by the very
 * character that made it invalid. Text without any such piece comes back unchanged.
 */
export function redact(text: string, secret: string | undefined): string {
  let out = '';
  let copied = 0;
  for (const [from, to] of piecesIn(text, secret)) {
    out += text.slice(copied, from) + REDACTED;
    copied = to;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Whether `text` shows the secret or a piece of it (see {@link redact}). */
export function shows(text: string, secret: string | undefined): boolean {
  return piecesIn(text, secret).length > 0;
}
