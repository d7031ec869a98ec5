/**
 * The built, packed package, consumed the way users consume it: `npm pack`, unpacked into a
 * consumer's node_modules, then loaded by name through its `exports` map with `require` and
 * `import` in child processes, type-checked as a dependency under three module resolutions, and
 * bundled for the browser.
 */
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { bundleForBrowser } from '../../scripts/browser-bundle';
import { ensureBuilt, packIntoConsumer, ROOT, run, type Consumer } from './packed';

const FIXTURES = join(__dirname, 'fixtures');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const ENTRIES = [
  'runpod-rx',
  'runpod-rx/operators',
  'runpod-rx/testing',
  'runpod-rx/emulator',
  'runpod-rx/webhooks',
  'runpod-rx/node',
] as const;

let consumer: Consumer;
let files: Set<string>;

interface PackageJson {
  readonly version: string;
  readonly license: string;
  readonly main: string;
  readonly module: string;
  readonly types: string;
  readonly bin: Record<string, string>;
  readonly sideEffects: boolean;
  readonly exports: Record<string, string | Record<string, string | Record<string, string>>>;
  readonly typesVersions: Record<string, Record<string, string[]>>;
}

const manifest = (): PackageJson => JSON.parse(readFileSync(join(consumer.packageDir, 'package.json'), 'utf8'));

/** Every path an `exports` condition tree points at. */
function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Object.values(value as Record<string, unknown>).flatMap(targets);
}

const inPack = (path: string) => files.has(posix.normalize(path.replace(/^\.\//, '')));

beforeAll(() => {
  ensureBuilt();
  consumer = packIntoConsumer();
  files = new Set(consumer.pack.files.map((file) => file.path));
  for (const name of ['check.cjs', 'check.mjs']) copyFileSync(join(FIXTURES, name), join(consumer.dir, name));
  const example = readFileSync(join(FIXTURES, 'consumer.ts'), 'utf8');
  for (const name of ['consumer.ts', 'consumer.mts', 'consumer.cts']) writeFileSync(join(consumer.dir, name), example);
  writeFileSync(join(consumer.dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
}, 240_000);

afterAll(() => {
  if (consumer !== undefined) rmSync(dirname(consumer.dir), { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships dist/, bin/, the README and docs/, and nothing else', () => {
    const paths = [...files];
    expect(
      paths.filter(
        (path) => !/^(dist\/(cjs|esm)\/|bin\/runpod-rx\.cjs$|docs\/|README\.md$|package\.json$|LICENSE)/.test(path),
      ),
    ).toEqual([]);
    expect(
      paths.filter(
        (path) => /(^|\/)(test|tests|__tests__|coverage|node_modules)\//.test(path) || /\.spec\./.test(path),
      ),
    ).toEqual([]);
    // TypeScript sources only as declarations (the demo's source is documentation).
    expect(
      paths.filter((path) => /\.[mc]?ts$/.test(path) && !/\.d\.[mc]?ts$/.test(path) && !path.startsWith('docs/')),
    ).toEqual([]);
    expect(paths.filter((path) => /\.tsbuildinfo$|^\.dist-|\.tgz$/.test(path))).toEqual([]);
    // Both builds are complete: one .js and one .d.ts per module, in each format.
    const modules = (format: string, ext: string) =>
      paths
        .filter((path) => path.startsWith(`dist/${format}/`) && path.endsWith(ext))
        .map((path) => path.slice(`dist/${format}/`.length, -ext.length));
    expect(modules('esm', '.js').sort()).toEqual(modules('cjs', '.js').sort());
    expect(modules('esm', '.d.ts').sort()).toEqual(modules('cjs', '.js').sort());
    expect(modules('cjs', '.d.ts').sort()).toEqual(modules('cjs', '.js').sort());
    expect(modules('cjs', '.js')).toEqual(expect.arrayContaining(['src/index', 'src/cli/main', 'operators/index']));
    expect(consumer.pack.size).toBeLessThan(400_000);
  });

  it('ships the MIT LICENSE that package.json names', () => {
    expect(files).toContain('LICENSE');
    expect(manifest().license).toBe('MIT');
    const license = readFileSync(join(consumer.packageDir, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} runpod-rx contributors\n/);
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });

  it('has no source map pointing at a file left out of the package', () => {
    const problems: string[] = [];
    for (const path of files) {
      if (path.endsWith('.map')) {
        const map = JSON.parse(readFileSync(join(consumer.packageDir, path), 'utf8')) as {
          sources?: string[];
          sourceRoot?: string;
        };
        for (const source of map.sources ?? []) {
          const target = posix.join(posix.dirname(path), map.sourceRoot ?? '', source);
          if (!files.has(target)) problems.push(`${path} -> ${target}`);
        }
      } else if (/\.(js|cjs|mjs|d\.ts)$/.test(path)) {
        const url = /\/[/*][#@] sourceMappingURL=(\S+?)(?:\s*\*\/)?\s*$/.exec(
          readFileSync(join(consumer.packageDir, path), 'utf8'),
        )?.[1];
        if (url !== undefined && !url.startsWith('data:') && !files.has(posix.join(posix.dirname(path), url))) {
          problems.push(`${path} -> ${url}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('declares the four entry points for types, import and require, all present in the tarball', () => {
    const pkg = manifest();
    expect(Object.keys(pkg.exports).sort()).toEqual([
      '.',
      './emulator',
      './node',
      './operators',
      './package.json',
      './testing',
      './webhooks',
    ]);
    for (const key of ['.', './operators', './testing', './emulator', './webhooks', './node']) {
      const entry = pkg.exports[key] as Record<string, Record<string, string>>;
      expect(Object.keys(entry)).toEqual(['import', 'require', 'default']);
      expect(Object.keys(entry.import!)).toEqual(['types', 'default']); // types first, or TypeScript skips them
      expect(Object.keys(entry.require!)).toEqual(['types', 'default']);
      expect(entry.import!.default).toMatch(/^\.\/dist\/esm\/.*\.js$/);
      expect(entry.require!.default).toMatch(/^\.\/dist\/cjs\/.*\.js$/);
    }
    const declared = [
      ...targets(pkg.exports),
      pkg.main,
      pkg.module,
      pkg.types,
      ...Object.values(pkg.bin),
      ...Object.values(pkg.typesVersions['*']!).flat(),
    ];
    expect(declared.filter((path) => !inPack(path))).toEqual([]);
    expect(pkg.sideEffects).toBe(false);
    expect(JSON.parse(readFileSync(join(consumer.packageDir, 'dist/esm/package.json'), 'utf8')).type).toBe('module');
    expect(JSON.parse(readFileSync(join(consumer.packageDir, 'dist/cjs/package.json'), 'utf8')).type).toBe('commonjs');
  });
});

interface CheckReport {
  loaded: Record<string, { file: string; exports: string[] }>;
  deepImport: string;
  crossCopy?: { guard: boolean; instanceOf: boolean };
  version: string;
  job: { id: string; status: string; output: unknown };
  failure: string;
  onEmulator: string;
}

async function check(script: string): Promise<CheckReport> {
  const result = await run(process.execPath, [script], consumer.dir);
  if (result.code !== 0) throw new Error(`node ${script} exited ${result.code}:\n${result.stderr}`);
  return JSON.parse(result.stdout) as CheckReport;
}

describe('the installed package, loaded by name', () => {
  const expectedExports = {
    'runpod-rx': ['createEndpoint', 'isThrottledError', 'JobStateCodec', 'ThrottledError'],
    'runpod-rx/operators': [
      'retryOnThrottle',
      'takeUntilTerminal',
      'throwOnJobFailure',
      'selectOutput',
      'pollUntilTerminal',
      'fanOut',
    ],
    'runpod-rx/testing': ['createFakeEndpoint', 'createFakeTransport', 'createTestScheduler', 'completedJob'],
    'runpod-rx/emulator': ['startEmulator', 'mockWorker'],
    'runpod-rx/webhooks': ['createWebhookReceiver'],
    'runpod-rx/node': ['createNodeHttpTransport'],
  };

  it.each([
    { how: 'require', script: 'check.cjs', format: 'cjs' },
    { how: 'import', script: 'check.mjs', format: 'esm' },
  ])(
    'with $how ($script): every entry point from dist/$format, a real job against the emulator',
    async ({ how, script, format }) => {
      const report = await check(script);
      for (const name of ENTRIES) {
        expect(report.loaded[name]!.file).toContain(`/node_modules/runpod-rx/dist/${format}/`);
        expect(report.loaded[name]!.exports).toEqual(expect.arrayContaining(expectedExports[name]));
      }
      // Operators only from runpod-rx/operators.
      expect(report.loaded['runpod-rx']!.exports).not.toContain('retryOnThrottle');
      expect(report.deepImport).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
      expect(report.version).toBe(manifest().version);
      expect(report.job).toMatchObject({ status: 'COMPLETED', output: `hello from ${how}` });
      expect(report.onEmulator).toBe('COMPLETED');
      expect(report.failure).toBe('JobFailedError: boom');
      if (format === 'esm') expect(report.crossCopy).toEqual({ guard: true, instanceOf: false });
    },
  );

  it('runs the runpod-rx command from bin/', async () => {
    const bin = join(consumer.packageDir, manifest().bin['runpod-rx']!);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const result = await run(process.execPath, [bin, '--help'], consumer.dir);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: runpod-rx \[options\] \[command\]/);
  });
});

describe('a TypeScript consumer of the package (strict)', () => {
  const projects = {
    bundler: { module: 'esnext', moduleResolution: 'bundler', files: ['consumer.ts'] },
    node16: { module: 'node16', moduleResolution: 'node16', files: ['consumer.mts', 'consumer.cts'] },
    node10: { module: 'commonjs', moduleResolution: 'node10', files: ['consumer.ts'] },
  } as const;

  async function typeCheck(name: keyof typeof projects): Promise<string[]> {
    const { files: roots, ...options } = projects[name];
    const tsconfig = `tsconfig.${name}.json`;
    writeFileSync(
      join(consumer.dir, tsconfig),
      JSON.stringify({
        compilerOptions: {
          ...options,
          target: 'es2022',
          lib: ['es2022', 'dom'],
          types: ['node'],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          noUnusedLocals: true,
          exactOptionalPropertyTypes: true,
        },
        files: roots,
      }),
    );
    const result = await run(process.execPath, [TSC, '-p', tsconfig, '--listFiles'], consumer.dir, 120_000);
    if (result.code !== 0) throw new Error(`tsc (${name}) failed:\n${result.stdout}${result.stderr}`);
    return result.stdout.split('\n').filter((line) => line.includes('/node_modules/runpod-rx/'));
  }

  let results: Record<keyof typeof projects, Promise<string[]>>;
  beforeAll(() => {
    // In parallel: three tsc processes.
    results = { bundler: typeCheck('bundler'), node16: typeCheck('node16'), node10: typeCheck('node10') };
    for (const promise of Object.values(results)) promise.catch(() => undefined);
  });

  it('moduleResolution "bundler": the ESM declarations', async () => {
    const used = await results.bundler;
    expect(used.some((file) => file.endsWith('/dist/esm/src/index.d.ts'))).toBe(true);
    expect(used.some((file) => file.includes('/dist/cjs/'))).toBe(false);
  }, 120_000);

  it('moduleResolution "node16": ESM declarations for .mts, CommonJS ones for .cts', async () => {
    const used = await results.node16;
    for (const entry of [
      'src/index',
      'operators/index',
      'src/testing/index',
      'src/emulator/index',
      'src/webhooks/index',
      'src/node/index',
    ]) {
      expect(used.some((file) => file.endsWith(`/dist/esm/${entry}.d.ts`))).toBe(true);
      expect(used.some((file) => file.endsWith(`/dist/cjs/${entry}.d.ts`))).toBe(true);
    }
  }, 120_000);

  it('moduleResolution "node10" (no exports support): the subpaths through typesVersions', async () => {
    const used = await results.node10;
    for (const entry of [
      'src/index',
      'operators/index',
      'src/testing/index',
      'src/emulator/index',
      'src/webhooks/index',
      'src/node/index',
    ]) {
      expect(used.some((file) => file.endsWith(`/dist/cjs/${entry}.d.ts`))).toBe(true);
    }
  }, 120_000);
});

describe('a browser bundle of the installed package', () => {
  it('resolves the ESM build, cross-fetch in its browser build, and no Node built-in', async () => {
    const outfile = join(consumer.dir, 'bundle.js');
    const { metafile } = await bundleForBrowser({
      entry: 'browser-consumer.ts',
      contents: [
        "import { createEndpoint } from 'runpod-rx';",
        "import { retryOnThrottle } from 'runpod-rx/operators';",
        "import { createFakeEndpoint } from 'runpod-rx/testing';",
        'console.log(createEndpoint, retryOnThrottle, createFakeEndpoint);',
      ].join('\n'),
      resolveDir: consumer.dir,
      outfile,
    });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((input) => input.includes('node_modules/runpod-rx/dist/esm/src/index.js'))).toBe(true);
    expect(inputs.filter((input) => input.includes('node_modules/runpod-rx/dist/cjs/'))).toEqual([]);
    expect(inputs.filter((input) => /cross-fetch/.test(input))).toEqual([
      expect.stringMatching(/browser-ponyfill\.js$/),
    ]);
    expect(existsSync(outfile)).toBe(true);
  });
});
