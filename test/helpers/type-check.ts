import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(__dirname, '../..');

/**
 * Type-checks `files` (real paths, or virtual ones given with their text) against the library
 * sources, with the repository's tsconfig.json (its `paths` map `runpod-rx` to src/) plus
 * `overrides`. Returns one line per problem, `file:line: message`; an empty list means clean.
 */
export function typeCheck(
  files: readonly string[] | ReadonlyMap<string, string>,
  overrides: ts.CompilerOptions = {},
): string[] {
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
  const options: ts.CompilerOptions = { ...config.options, noEmit: true, ...overrides };
  const virtual = new Map(files instanceof Map ? [...files].map(([name, text]) => [resolve(name), text]) : []);
  const host = ts.createCompilerHost(options);
  if (virtual.size > 0) {
    const dirs = new Set([...virtual.keys()].map((name) => resolve(name, '..')));
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, ...rest) => {
      const text = virtual.get(resolve(fileName));
      return text !== undefined
        ? ts.createSourceFile(fileName, text, languageVersion, true)
        : getSourceFile(fileName, languageVersion, ...rest);
    };
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (fileName) => virtual.has(resolve(fileName)) || fileExists(fileName);
    const readFile = host.readFile.bind(host);
    host.readFile = (fileName) => virtual.get(resolve(fileName)) ?? readFile(fileName);
    host.directoryExists = (name) => dirs.has(resolve(name)) || ts.sys.directoryExists(name);
  }
  const rootNames = virtual.size > 0 ? [...virtual.keys()] : [...(files as readonly string[])];
  const checked = new Set(rootNames.map((name) => resolve(name)));
  return ts
    .getPreEmitDiagnostics(ts.createProgram(rootNames, options, host))
    .filter((d) => d.file === undefined || checked.has(resolve(d.file.fileName)))
    .map((d) => {
      const where = d.file
        ? `${relative(ROOT, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: `
        : '';
      return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}
