/**
 * Browser bundles with esbuild, guarded so that no Node built-in can reach them: the demo page of
 * docs/demo/, and any entry a test wants to prove browser-safe.
 */
import { build, type BuildResult, type Metafile, type Plugin } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith('_')));

/** True for `node:fs`, `fs`, `fs/promises`, …: what only Node provides. */
export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]!);
}

/**
 * An esbuild plugin that fails the build on any import of a Node built-in, naming the importer, so
 * a server-only module (or a package's Node build) can never slip into a browser bundle.
 */
export function noNodeBuiltins(): Plugin {
  return {
    name: 'no-node-builtins',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point' || !isNodeBuiltin(args.path)) return undefined;
        return {
          errors: [
            {
              text: `Node built-in "${args.path}" imported by ${relative(ROOT, args.importer) || args.importer}: it must not reach a browser bundle`,
            },
          ],
        };
      });
    },
  };
}

export interface BrowserBundleOptions {
  /** Entry module. */
  readonly entry: string;
  /** Output file. */
  readonly outfile: string;
  /** tsconfig.json whose `paths` resolve imports; default: the nearest one, as esbuild finds it. */
  readonly tsconfig?: string;
  /** Directory to resolve packages from when `entry` is a virtual module (`stdin`). */
  readonly resolveDir?: string;
  /** Source text of the entry, instead of reading `entry`. */
  readonly contents?: string;
  readonly minify?: boolean;
}

/** Bundles one entry for the browser (IIFE, ES2020) with the {@link noNodeBuiltins} guard. */
export async function bundleForBrowser(options: BrowserBundleOptions): Promise<BuildResult & { metafile: Metafile }> {
  return build({
    ...(options.contents === undefined
      ? { entryPoints: [options.entry] }
      : {
          stdin: {
            contents: options.contents,
            sourcefile: options.entry,
            resolveDir: options.resolveDir ?? ROOT,
            loader: 'ts',
          },
        }),
    outfile: options.outfile,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: options.minify ?? false,
    sourcemap: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: ROOT,
    ...(options.tsconfig !== undefined && { tsconfig: options.tsconfig }),
    plugins: [noNodeBuiltins()],
  });
}

/** The demo's source directory. */
export const DEMO_SOURCE = join(ROOT, 'docs', 'demo');

/**
 * Builds the demo page into `outdir` (index.html + main.js). `runpod-rx` resolves to the library
 * sources through tsconfig.json `paths`, so no prior `npm run build` is needed.
 */
export async function bundleDemo(outdir: string, minify = false): Promise<{ files: string[]; metafile: Metafile }> {
  mkdirSync(outdir, { recursive: true });
  const result = await bundleForBrowser({
    entry: join(DEMO_SOURCE, 'main.ts'),
    outfile: join(outdir, 'main.js'),
    tsconfig: join(ROOT, 'tsconfig.json'),
    minify,
  });
  copyFileSync(join(DEMO_SOURCE, 'index.html'), join(outdir, 'index.html'));
  return { files: [join(outdir, 'index.html'), join(outdir, 'main.js')], metafile: result.metafile };
}
