/**
 * The package as users get it: built (once, only when dist/ is missing or older than its sources),
 * packed with `npm pack`, and unpacked into `node_modules/runpod-rx` of a throwaway consumer
 * project whose other dependencies are links to this repository's node_modules (no network).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

/** Newest modification time (ms) of a file, or of any file under a directory. */
function newest(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Oldest modification time (ms) of the given files; 0 if one is missing. */
function oldest(paths: readonly string[]): number {
  return Math.min(...paths.map((path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0));
}

/**
 * Runs `npm run build`'s script unless dist/ is complete and newer than everything it is built
 * from. `npm ci` builds through `prepare`, so in CI this is a check, not a build.
 * @returns whether a build ran.
 */
export function ensureBuilt(): boolean {
  const outputs = ['cjs', 'esm'].flatMap((format) => [
    join(ROOT, 'dist', format, 'package.json'),
    join(ROOT, 'dist', format, 'src', 'index.js'),
    join(ROOT, 'dist', format, 'src', 'cli', 'main.js'),
    join(ROOT, 'dist', format, 'operators', 'index.js'),
  ]);
  const inputs = [
    'src',
    'operators',
    'scripts/build.mjs',
    'tsconfig.json',
    'tsconfig.build.json',
    'tsconfig.build.esm.json',
  ];
  const built = oldest(outputs);
  if (built > 0 && built >= Math.max(...inputs.map((input) => newest(join(ROOT, input))))) return false;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
  return true;
}

/** One file of `npm pack --json`. */
export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

/** What `npm pack --json` reports. */
export interface PackReport {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
  readonly files: readonly PackedFile[];
}

export interface Consumer {
  /** The consumer project; `node_modules/runpod-rx` is the unpacked tarball. */
  readonly dir: string;
  /** The unpacked package. */
  readonly packageDir: string;
  readonly pack: PackReport;
}

/** Dependencies the consumer borrows from this repository (peer deps, the dependency, types). */
const LINKED = ['rxjs', 'io-ts', 'fp-ts', 'cross-fetch', 'commander', '@types/node'];

/**
 * Packs the repository (scripts skipped: the build is {@link ensureBuilt}'s job) into a new
 * temporary directory and installs the tarball into a consumer project there.
 */
export function packIntoConsumer(): Consumer {
  const base = mkdtempSync(join(tmpdir(), 'runpod-rx-pack-'));
  const json = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', base], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const [pack] = JSON.parse(json) as PackReport[];
  const dir = join(base, 'consumer');
  const packageDir = join(dir, 'node_modules', 'runpod-rx');
  mkdirSync(packageDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(base, pack!.filename), '-C', packageDir, '--strip-components=1']);
  for (const name of LINKED) {
    const link = join(dir, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), link, 'dir');
  }
  return { dir, packageDir, pack: pack! };
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node args…` (or another command) in `cwd`, never throwing on a non-zero exit. */
export function run(command: string, args: readonly string[], cwd: string, timeout = 60_000): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    execFile(
      command,
      args,
      { cwd, timeout, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolvePromise({ code, stdout, stderr: stderr || (error !== null && code === null ? String(error) : '') });
      },
    );
  });
}
