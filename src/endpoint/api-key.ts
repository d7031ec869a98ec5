import { ConfigError } from '../errors.js';

/** What a key may hold: visible ASCII, `!` (0x21) to `~` (0x7E), as a header token must. */
const VISIBLE_ASCII = /^[\x21-\x7e]$/;

/** The kind of a character that has no place in a key, in words a person can act on. */
function kindOf(character: string): string {
  if (character === ' ') return 'a space';
  if (character === '\t') return 'a tab';
  if (/^[\n\r\u0085\u2028\u2029]$/.test(character)) return 'a line break';
  if (/^\p{Cc}$/u.test(character)) return 'a control character';
  // Format characters (zero-width space and joiners, BOM, bidi marks, soft hyphen, tags) and the
  // blank fillers and variation selectors that render as nothing.
  if (/^(?:\p{Cf}|[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\uffa0\ufe00-\ufe0f])$/u.test(character)) {
    return 'a zero-width or invisible character';
  }
  if (/^\p{Z}$/u.test(character)) return 'a non-breaking or other Unicode space';
  if (/^\p{Extended_Pictographic}$/u.test(character)) return 'an emoji';
  if (/^\p{L}$/u.test(character)) return 'a non-ASCII letter (a look-alike, e.g. Cyrillic or Greek)';
  if (/^\p{N}$/u.test(character)) return 'a non-ASCII digit';
  if (/^\p{M}$/u.test(character)) return 'a combining mark (an accent)';
  return 'a non-ASCII character';
}

/**
 * Refuses an API key that holds anything but visible ASCII, with a {@link ConfigError} that says
 * which kind of character and where (0-based position, in characters), and never shows the key
 * or any piece of it. Such a key cannot travel in an `Authorization` header: fetch would throw a
 * `TypeError` quoting the whole header, and every call would fail. Copy-paste is the usual
 * culprit (a trailing newline or zero-width space, a look-alike letter).
 *
 * @param key - the key, not blank.
 * @param source - where it came from, for the message: `apiKey` or an environment variable.
 */
export function checkApiKey(key: string, source: string): void {
  const characters = Array.from(key);
  const bad = characters.flatMap((character, position) => (VISIBLE_ASCII.test(character) ? [] : [position]));
  if (bad.length === 0) return;
  const [first] = bad;
  const where =
    first === characters.length - 1
      ? `at position ${first} (the last character)`
      : first === 0
        ? 'at position 0 (the first character)'
        : `at position ${first} (counting from 0)`;
  const more = bad.length > 1 ? `, and ${bad.length - 1} more character(s) outside visible ASCII` : '';
  const hint = /^Bearer\s/i.test(key)
    ? 'pass the key without the "Bearer " prefix'
    : 'copy the key again or remove that character';
  throw new ConfigError(
    `the API key (${source}) has ${kindOf(characters[first])} ${where}${more}; ` +
      `a key holds only visible ASCII characters: ${hint}`,
  );
}
