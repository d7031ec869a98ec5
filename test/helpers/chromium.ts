import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './type-check';

/** Where the browser of the e2e specs comes from, in the order they are tried. */
export type ChromiumSource = 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';

/** The browser the e2e specs launch through playwright-core. */
export interface ChromiumChoice {
  readonly source: ChromiumSource;
  readonly executablePath: string;
}

/** The system browser used when installed (Debian's `chromium` package). */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for every source (playwright-core adds `--headless`): no sandbox, since CI runs the specs as
 * root, and no background traffic. None of @sparticuz/chromium's serverless flags such as
 * `--disable-web-security`: the demo's cross-origin calls must pass real CORS checks.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Picks the browser without unpacking anything: `CHROMIUM_PATH` when set (it must exist), else the
 * system chromium when installed, else `undefined`, meaning the npm package `@sparticuz/chromium`,
 * whose binary runs on Linux x64 only (`platform` is `${process.platform}-${process.arch}`).
 */
export function chooseInstalledChromium(
  env: NodeJS.ProcessEnv,
  exists: (path: string) => boolean,
  platform = `${process.platform}-${process.arch}`,
): ChromiumChoice | undefined {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!exists(fromEnv)) {
      throw new Error(
        `CHROMIUM_PATH=${fromEnv} does not exist; unset it to use ${SYSTEM_CHROMIUM} or @sparticuz/chromium`,
      );
    }
    return { source: 'CHROMIUM_PATH', executablePath: fromEnv };
  }
  if (exists(SYSTEM_CHROMIUM)) return { source: 'system', executablePath: SYSTEM_CHROMIUM };
  if (platform !== 'linux-x64') {
    throw new Error(
      `no Chromium found: @sparticuz/chromium ships a Linux x64 binary only, this is ${platform}; set CHROMIUM_PATH to a Chromium or Chrome executable`,
    );
  }
  return undefined;
}

const execFileAsync = promisify(execFile);

/** The version of the installed `@sparticuz/chromium` (its package.json is not exported). */
function sparticuzVersion(): string {
  const packageJson = join(dirname(require.resolve('@sparticuz/chromium')), '..', '..', 'package.json');
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/**
 * Unpacks the Chromium shipped brotli-compressed inside `@sparticuz/chromium` into `cacheDir`
 * (default: one directory per package version under the OS temp dir) and returns the binary's path.
 * The package unpacks into `os.tmpdir()` and trusts any `chromium` file already there, even a half
 * written one; so this unpacks in a child Node process whose TMPDIR is a fresh private directory,
 * then renames that directory into place in one step. Concurrent callers each unpack, one rename
 * wins, the others use the winner's copy: no caller ever sees a partial binary.
 */
export async function unpackSparticuzChromium(
  cacheDir = join(tmpdir(), `runpod-rx-chromium-${sparticuzVersion()}`),
): Promise<string> {
  const binary = join(cacheDir, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = mkdtempSync(`${cacheDir}.partial-`);
  try {
    const { stdout } = await execFileAsync(
      process.execPath,
      ['-e', "require('@sparticuz/chromium').executablePath().then((path) => process.stdout.write(path))"],
      { cwd: ROOT, env: { ...process.env, TMPDIR: staging } },
    );
    if (stdout !== join(staging, 'chromium'))
      throw new Error(`@sparticuz/chromium unpacked to ${stdout}, not ${staging}`);
    renameSync(staging, cacheDir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another caller renamed its copy into place first: use it.
    if (!existsSync(binary)) throw error;
  }
  return binary;
}

/** The browser for the e2e specs: `CHROMIUM_PATH`, else the system chromium, else `@sparticuz/chromium`. */
export async function findChromium(): Promise<ChromiumChoice> {
  return (
    chooseInstalledChromium(process.env, existsSync) ?? {
      source: '@sparticuz/chromium',
      executablePath: await unpackSparticuzChromium(),
    }
  );
}
