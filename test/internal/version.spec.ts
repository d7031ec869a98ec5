import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { USER_AGENT, VERSION } from '../../src/internal/version';

describe('VERSION', () => {
  it('is the version in package.json (update src/internal/version.ts when bumping it)', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect(USER_AGENT).toBe(`runpod-rx/${pkg.version}`);
  });
});
