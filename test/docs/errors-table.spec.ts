import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as root from 'runpod-rx';
import { ROOT } from '../helpers/type-check';

describe('docs/errors-and-retries.md: the errors table', () => {
  const text = readFileSync(join(ROOT, 'docs', 'errors-and-retries.md'), 'utf8');
  const start = text.indexOf('| class | when | carries | what to do |');
  const rows = text
    .slice(start)
    .split('\n')
    .slice(2)
    .filter((line, i, lines) => line.startsWith('|') && lines.slice(0, i).every((l) => l.startsWith('|')))
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );

  it('says what to do about every error class the library exports', () => {
    expect(start).toBeGreaterThan(-1);
    const classes = Object.entries(root)
      .filter(([name, value]) => typeof value === 'function' && /Error$/.test(name) && value.prototype instanceof Error)
      .map(([name]) => name);
    expect(classes.length).toBeGreaterThan(10);
    const documented = rows.flatMap(([cell]) => [...cell.matchAll(/`(\w+Error)`/g)].map(([, name]) => name));
    expect(documented.sort()).toEqual(classes.sort());
    for (const row of rows) {
      expect(row).toHaveLength(4);
      expect(row[3].length).toBeGreaterThan(20);
    }
  });
});
