import { redact, REDACTED, secretOf, shows } from '../../src/internal/redact';

const KEY = 'rpa_0123456789ABCDEFGHIJ';

describe('redact', () => {
  it('replaces the whole secret wherever it occurs', () => {
    expect(redact(`Bearer ${KEY} is not a legal HTTP header value`, KEY)).toBe(
      `Bearer ${REDACTED} is not a legal HTTP header value`,
    );
    expect(redact(`${KEY}/${KEY}`, KEY)).toBe(`${REDACTED}/${REDACTED}`);
  });

  it('replaces any piece of 8 characters or more: a key cut short or split by a bad character', () => {
    expect(redact(`key ${KEY.slice(0, 12)}…`, KEY)).toBe(`key ${REDACTED}…`);
    expect(redact(`"${KEY.slice(0, 10)}\u200b${KEY.slice(10)}"`, KEY)).toBe(`"${REDACTED}\u200b${REDACTED}"`);
    expect(redact(`x${KEY.slice(5, 13)}y`, KEY)).toBe(`x${REDACTED}y`);
  });

  it('leaves pieces under 8 characters and text without the secret unchanged', () => {
    const text = `network error: ECONNREFUSED ${KEY.slice(0, 7)} 127.0.0.1`;
    expect(redact(text, KEY)).toBe(text);
    expect(shows(text, KEY)).toBe(false);
    expect(redact('', KEY)).toBe('');
    expect(redact(text, undefined)).toBe(text);
  });

  it('a secret shorter than 8 characters is redacted whole, where it stands alone', () => {
    expect(redact('a=short; b=sho', 'short')).toBe(`a=${REDACTED}; b=sho`);
    expect(redact('Bearer k\u200b is not a legal HTTP header value', 'k')).toBe(
      `Bearer ${REDACTED}\u200b is not a legal HTTP header value`,
    );
    expect(redact('socket hang up; shortcut', 'k')).toBe('socket hang up; shortcut');
    expect(redact('shortcut', 'short')).toBe('shortcut');
    expect(shows('k', 'k')).toBe(true);
  });

  it('shows tells whether a piece is there', () => {
    expect(shows(`...${KEY.slice(3, 11)}...`, KEY)).toBe(true);
  });
});

describe('secretOf', () => {
  it('is the token of a Bearer value, or the raw value', () => {
    expect(secretOf(`Bearer ${KEY}`)).toBe(KEY);
    expect(secretOf(KEY)).toBe(KEY);
    expect(secretOf(undefined)).toBeUndefined();
    expect(secretOf('Bearer ')).toBeUndefined();
  });
});
