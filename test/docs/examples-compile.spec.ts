import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, typeCheck } from '../helpers/type-check';

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** Every ```ts block of the README and docs/, as a virtual module next to the real sources. */
function examples(): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const file of [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))]) {
    const text = readFileSync(file, 'utf8');
    let index = 0;
    for (const match of text.matchAll(/^```ts\n([\s\S]*?)^```/gm)) {
      const name = `${relative(ROOT, file).replace(/[\\/.]/g, '_')}_${++index}.ts`;
      blocks.set(join(ROOT, 'test', 'docs', '.examples', name), `${match[1]}\nexport {};\n`);
    }
  }
  return blocks;
}

describe('code examples in the README and docs/', () => {
  it('all type-check against the library under strict mode', () => {
    const blocks = examples();
    expect(blocks.size).toBeGreaterThan(5);
    const problems = typeCheck(blocks, { noUnusedLocals: false, noUnusedParameters: false });
    expect(problems).toEqual([]);
  });
});
