/**
 * `npm install` on the Node running this suite prints no EBADENGINE warning: every locked package
 * accepts this Node. `.ci/run` runs the suite on Node 20, 22 and 24, so this holds on each of them.
 * `npm ci --dry-run` checks engines from the lock file without fetching or writing anything.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { ROOT } from './packed';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runpod-rx-engines-'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `npm ci --dry-run` in `dir` with `lock` as the lock file, under this Node; stdout and stderr together. */
function dryRunInstall(lock: string): Promise<string> {
  writeFileSync(join(dir, 'package-lock.json'), lock);
  // npm's launcher runs `node` from PATH: put this process's Node first.
  const env = { ...process.env, CI: 'true', PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
  return new Promise((resolve, reject) => {
    const child = execFile(
      'npm',
      ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund', '--offline'],
      { cwd: dir, env, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => (error === null ? resolve(`${stdout}${stderr}`) : reject(error)),
    );
    child.stdin?.end();
  });
}

describe(`npm install on Node ${process.version}`, () => {
  it('prints no EBADENGINE warning for the locked dependencies', async () => {
    const output = await dryRunInstall(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    expect(output).toMatch(/added \d+ packages/);
    expect(output).not.toContain('EBADENGINE');
  });

  it('would print one for a locked package that rejects this Node (the check above can fail)', async () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { engines?: Record<string, string> }>;
    };
    lock.packages['node_modules/commander']!.engines = { node: '>=999' };
    const output = await dryRunInstall(JSON.stringify(lock));
    expect(output).toContain('EBADENGINE');
    expect(output).toMatch(/package: 'commander@[\d.]+'/);
    expect(output).toContain(`current: { node: '${process.version}'`);
  });
});
