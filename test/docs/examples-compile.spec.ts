import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '../..');

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
    const config = ts.getParsedCommandLineOfConfigFile(
      join(ROOT, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    )!;
    const options = { ...config.options, noEmit: true, noUnusedLocals: false, noUnusedParameters: false };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, ...rest) => {
      const text = blocks.get(resolve(fileName));
      return text !== undefined
        ? ts.createSourceFile(fileName, text, languageVersion, true)
        : getSourceFile(fileName, languageVersion, ...rest);
    };
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (fileName) => blocks.has(resolve(fileName)) || fileExists(fileName);
    const program = ts.createProgram([...blocks.keys()], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && blocks.has(resolve(d.file.fileName)))
      .map((d) => {
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        return `${relative(ROOT, d.file!.fileName)}:${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  });
});
