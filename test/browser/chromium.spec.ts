/**
 * Where the e2e browser comes from (test/helpers/chromium.ts): CHROMIUM_PATH, else the system
 * chromium, else the binary shipped in the npm package @sparticuz/chromium, unpacked without races.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_CHROMIUM, chooseInstalledChromium, unpackSparticuzChromium } from '../helpers/chromium';

const existing =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

describe('chooseInstalledChromium', () => {
  it('takes CHROMIUM_PATH first, even when the system chromium exists', () => {
    expect(chooseInstalledChromium({ CHROMIUM_PATH: '/opt/chrome' }, existing('/opt/chrome', SYSTEM_CHROMIUM))).toEqual(
      {
        source: 'CHROMIUM_PATH',
        executablePath: '/opt/chrome',
      },
    );
  });

  it('fails naming CHROMIUM_PATH when it points at nothing, instead of silently using another browser', () => {
    expect(() => chooseInstalledChromium({ CHROMIUM_PATH: '/opt/missing' }, existing(SYSTEM_CHROMIUM))).toThrow(
      'CHROMIUM_PATH=/opt/missing does not exist',
    );
  });

  it('takes the system chromium when CHROMIUM_PATH is unset or empty', () => {
    const system = { source: 'system', executablePath: SYSTEM_CHROMIUM };
    expect(chooseInstalledChromium({}, existing(SYSTEM_CHROMIUM))).toEqual(system);
    expect(chooseInstalledChromium({ CHROMIUM_PATH: '' }, existing(SYSTEM_CHROMIUM))).toEqual(system);
  });

  it('leaves the choice to @sparticuz/chromium when no browser is installed, on Linux x64', () => {
    expect(chooseInstalledChromium({}, existing(), 'linux-x64')).toBeUndefined();
  });

  it('asks for CHROMIUM_PATH where @sparticuz/chromium has no binary', () => {
    expect(() => chooseInstalledChromium({}, existing(), 'darwin-arm64')).toThrow(
      'ships a Linux x64 binary only, this is darwin-arm64; set CHROMIUM_PATH',
    );
    expect(chooseInstalledChromium({}, existing(SYSTEM_CHROMIUM), 'linux-arm64')?.source).toBe('system');
  });
});

// The package's binary runs on Linux x64 only; elsewhere the e2e spec needs CHROMIUM_PATH.
const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64';

(onLinuxX64 ? describe : describe.skip)('unpackSparticuzChromium (Linux x64)', () => {
  let parent: string;
  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), 'runpod-rx-chromium-spec-'));
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('unpacks one runnable binary for concurrent callers and leaves no partial copy behind', async () => {
    const cacheDir = join(parent, 'cache');
    const paths = await Promise.all([unpackSparticuzChromium(cacheDir), unpackSparticuzChromium(cacheDir)]);

    expect(paths).toEqual([join(cacheDir, 'chromium'), join(cacheDir, 'chromium')]);
    expect(readdirSync(parent)).toEqual(['cache']);
    expect(readdirSync(cacheDir)).toEqual(expect.arrayContaining(['chromium', 'fonts', 'libGLESv2.so']));
    expect(execFileSync(paths[0]!, ['--version'], { encoding: 'utf8' })).toMatch(/^Chromium \d+\./);
    // A later call reuses that very file.
    const inode = statSync(paths[0]!).ino;
    await expect(unpackSparticuzChromium(cacheDir)).resolves.toBe(paths[0]);
    expect(statSync(paths[0]!).ino).toBe(inode);
    expect(readdirSync(parent)).toEqual(['cache']);
  }, 60_000);
});
