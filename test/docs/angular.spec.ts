/**
 * docs/angular.md cannot rot: its ```typescript blocks (each starting with `// <file>.ts`) are
 * type-checked together as an Angular application would compile them, then bundled and run in
 * Node with Angular's JIT compiler against a real emulator.
 *
 * The page uses ```typescript fences, not ```ts: test/docs/examples-compile.spec.ts compiles every
 * ```ts block as a module on its own, and these blocks import one another.
 */
import { build, type Plugin } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT, typeCheck } from '../helpers/type-check';

const DOC = join(ROOT, 'docs', 'angular.md');

/** The page's ```typescript blocks, by the file name on their first line. */
function blocks(): Map<string, string> {
  const files = new Map<string, string>();
  for (const match of readFileSync(DOC, 'utf8').matchAll(/^```typescript\n([\s\S]*?)^```/gm)) {
    const code = match[1]!;
    const name = /^\/\/ ([\w.-]+\.ts)\n/.exec(code)?.[1];
    if (name === undefined)
      throw new Error(
        `a \`\`\`typescript block of docs/angular.md does not start with // <file>.ts:\n${code.slice(0, 80)}`,
      );
    if (files.has(name)) throw new Error(`docs/angular.md has two blocks named ${name}`);
    files.set(name, code);
  }
  return files;
}

/** The test's stand-in for @jest/globals when the page's spec block runs outside jest. */
const JEST_GLOBALS_SHIM = `
import { expect } from 'expect';
const tests = [];
const names = [];
export function describe(name, body) { names.push(name); try { body(); } finally { names.pop(); } }
export function it(name, body) { tests.push({ name: [...names, name].join(' '), body }); }
export { expect };
export async function runRegisteredTests() {
  const results = [];
  for (const { name, body } of tests) {
    try { await body(); results.push({ name, ok: true }); }
    catch (error) { results.push({ name, ok: false, error: String(error && error.stack || error) }); }
  }
  return results;
}
`;

/** Drives the page's code: Angular's injector, the service and the component, a real emulator. */
const DRIVER = `
import '@angular/compiler';
import { Injector, createEnvironmentInjector, runInInjectionContext } from '@angular/core';
import { lastValueFrom, toArray } from 'rxjs';
import { startEmulator } from 'runpod-rx/emulator';
import { runRegisteredTests } from '@jest/globals';
import { GenerationComponent } from './generation.component';
import { GenerationService } from './generation.service';
import { appConfig } from './app.config';
import { provideRunpod } from './runpod.config';
import './generation.service.spec';

const until = async (what, test, withinMs = 10_000) => {
  const end = Date.now() + withinMs;
  while (!test()) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((done) => setTimeout(done, 20));
  }
};

const report = {};
report.unitTests = await runRegisteredTests();
report.template = typeof GenerationComponent.ɵcmp === 'object' && GenerationComponent.ɵcmp !== null;
report.appConfigProviders = appConfig.providers.length;

const emulator = await startEmulator({
  apiKey: 'dev-key',
  handler: async function* (job, context) {
    const { prompt } = job.input;
    if (prompt === 'slow') {
      yield 'first';
      await context.sleep(30_000);
      yield 'never';
      return;
    }
    for (const word of prompt.split(' ')) {
      await context.sleep(20);
      yield word + ' ';
    }
  },
});
const injector = createEnvironmentInjector(
  [provideRunpod({ baseUrl: emulator.baseUrl, apiKey: 'dev-key', endpointId: 'text', deadlineMs: 10_000 }), GenerationService],
  Injector.create({ providers: [] }),
);
try {
  const service = injector.get(GenerationService);
  const updates = await lastValueFrom(service.generate('hello brave new world').pipe(toArray()));
  report.generation = {
    last: updates.at(-1),
    statuses: [...new Set(updates.map((update) => update.status))],
    texts: [...new Set(updates.map((update) => update.text))],
    onEmulator: emulator.job(updates.at(-1).jobId)?.status,
  };

  const component = runInInjectionContext(injector, () => new GenerationComponent());
  await until('health', () => component.idleWorkers() !== undefined);
  report.idleWorkers = component.idleWorkers();

  // What the async pipe does: subscribe with the view.
  const seen = [];
  let view = component.generation$.subscribe((generation) => seen.push(generation));
  const running = () => seen.at(-1)?.text === 'first' ? seen.at(-1).jobId : undefined;

  component.generate('slow');
  await until('the first chunk', () => running() !== undefined);
  const cancelled = running();
  component.cancel();
  await until('the cancel', () => emulator.job(cancelled)?.status === 'CANCELLED');
  report.cancelButton = { status: emulator.job(cancelled)?.status, shown: seen.at(-1) };

  component.generate('slow');
  await until('the first chunk again', () => running() !== undefined && running() !== cancelled);
  const destroyed = running();
  view.unsubscribe(); // the view is destroyed: the async pipe unsubscribes
  await until('the cancel on destroy', () => emulator.job(destroyed)?.status === 'CANCELLED');
  report.destroyView = { status: emulator.job(destroyed)?.status };

  // The deadline: a job that outlives deadlineMs ends the generation with a TimeoutError, and is cancelled.
  const hurried = createEnvironmentInjector(
    [provideRunpod({ baseUrl: emulator.baseUrl, apiKey: 'dev-key', endpointId: 'text', deadlineMs: 300 }), GenerationService],
    Injector.create({ providers: [] }),
  );
  try {
    const late = await lastValueFrom(hurried.get(GenerationService).generate('slow'));
    await until('the cancel after the deadline', () => emulator.job(late.jobId)?.status === 'CANCELLED');
    report.deadline = { error: late.error.split(':')[0], done: late.done, text: late.text, onEmulator: emulator.job(late.jobId)?.status };
  } finally {
    hurried.destroy();
  }
} finally {
  injector.destroy();
  await emulator.close();
}
report.injectorDestroyed = true;
process.stdout.write(JSON.stringify(report) + '\\n');
`;

/** Resolves @jest/globals to the shim, for the page's spec block. */
function jestGlobalsShim(shim: string): Plugin {
  return {
    name: 'jest-globals-shim',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^@jest\/globals$/ }, () => ({ path: shim }));
    },
  };
}

interface RunReport {
  unitTests: { name: string; ok: boolean; error?: string }[];
  template: boolean;
  appConfigProviders: number;
  generation: {
    last: Record<string, unknown>;
    statuses: string[];
    texts: string[];
    onEmulator: string;
  };
  idleWorkers: number;
  cancelButton: { status: string; shown: unknown };
  destroyView: { status: string };
  deadline: { error: string; done: boolean; text: string; onEmulator: string };
  injectorDestroyed: boolean;
}

/** Writes the blocks to a temporary app, bundles it with esbuild and runs it with node. */
async function runBlocks(files: Map<string, string>): Promise<RunReport> {
  const dir = mkdtempSync(join(tmpdir(), 'runpod-rx-angular-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    for (const [name, code] of files) writeFileSync(join(dir, name), code);
    writeFileSync(join(dir, 'jest-globals.mjs'), JEST_GLOBALS_SHIM);
    writeFileSync(join(dir, 'driver.js'), DRIVER);
    await build({
      entryPoints: [join(dir, 'driver.js')],
      outfile: join(dir, 'driver.bundle.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'es2022',
      tsconfig: join(ROOT, 'tsconfig.json'), // runpod-rx → the library sources, through `paths`
      // One copy of Angular and rxjs, shared with Angular's own imports.
      external: ['@angular/*', 'rxjs', 'rxjs/*', 'expect', 'cross-fetch'],
      plugins: [jestGlobalsShim(join(dir, 'jest-globals.mjs'))],
      logLevel: 'silent',
    });
    const stdout = await new Promise<string>((resolvePromise, reject) => {
      execFile(process.execPath, [join(dir, 'driver.bundle.mjs')], { cwd: dir, timeout: 60_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolvePromise(out),
      );
    });
    return JSON.parse(stdout) as RunReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('docs/angular.md', () => {
  const files = blocks();
  let run: Promise<RunReport>;

  beforeAll(() => {
    run = runBlocks(files); // in a child process, while this one type-checks
    run.catch(() => undefined);
  });

  it('has the config, service, component, app config and spec blocks', () => {
    expect([...files.keys()].sort()).toEqual([
      'app.config.ts',
      'generation.component.ts',
      'generation.service.spec.ts',
      'generation.service.ts',
      'runpod.config.ts',
    ]);
    const all = [...files.values()].join('\n');
    for (const needle of [
      'InjectionToken',
      'useFactory',
      'createEndpoint',
      '| async',
      'takeUntilDestroyed',
      'timeout:',
      'retryOnThrottle(',
    ]) {
      expect(all).toContain(needle);
    }
  });

  it('type-checks under strict mode with standard decorators, bundler resolution, the DOM and no Node types', () => {
    const dir = join(ROOT, 'test', 'docs', '.angular');
    const virtual = new Map([...files].map(([name, code]) => [join(dir, name), code]));
    const problems = typeCheck(virtual, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      experimentalDecorators: false,
      emitDecoratorMetadata: false,
      types: [],
      strict: true,
    });
    expect(problems).toEqual([]);
  });

  it("runs the page's unit test (virtual time, fake endpoint) and JIT-compiles the component's template", async () => {
    const report = await run;
    expect(report.unitTests).toEqual([
      { name: 'GenerationService streams the text of a job and ends with its final status', ok: true },
    ]);
    expect(report.template).toBe(true);
    expect(report.appConfigProviders).toBe(1);
  }, 60_000);

  it('the service, from Angular’s injector, streams a generation from the emulator to COMPLETED', async () => {
    const { generation, idleWorkers } = await run;
    expect(generation.last).toEqual({
      jobId: expect.any(String),
      status: 'COMPLETED',
      text: 'hello brave new world ',
      done: true,
    });
    expect(generation.statuses).toEqual(expect.arrayContaining(['SUBMITTING', 'IN_QUEUE', 'COMPLETED']));
    expect(generation.texts).toEqual(expect.arrayContaining(['hello ', 'hello brave ', 'hello brave new ']));
    expect(generation.onEmulator).toBe('COMPLETED');
    expect(idleWorkers).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('a job past the deadline ends the generation with a TimeoutError and is cancelled', async () => {
    const { deadline } = await run;
    expect(deadline).toEqual({ error: 'TimeoutError', done: true, text: 'first', onEmulator: 'CANCELLED' });
  }, 60_000);

  it('the component cancels the job on Cancel and when its view unsubscribes', async () => {
    const report = await run;
    expect(report.cancelButton).toEqual({ status: 'CANCELLED', shown: null });
    expect(report.destroyView).toEqual({ status: 'CANCELLED' });
    expect(report.injectorDestroyed).toBe(true);
  }, 60_000);
});
