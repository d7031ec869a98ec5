import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/type-check';

/**
 * `npm run docs` builds the TypeDoc reference of the four entry points; typedoc.json turns every
 * warning (an export without documentation, a broken link) into an error. Checked without writing.
 */
describe('API reference (npm run docs)', () => {
  it('builds with every export documented and every link resolved', async () => {
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none'],
        { cwd: ROOT, timeout: 120_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`typedoc failed:\n${stdout}${stderr}`)) : resolve(`${stdout}${stderr}`),
      ),
    );
    expect(output).not.toMatch(/warning|error/i);
  }, 130_000);
});
