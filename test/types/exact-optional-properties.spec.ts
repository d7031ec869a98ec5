/**
 * Type tests under `exactOptionalPropertyTypes: true`, the strictest setting a user may have:
 * every options type accepts `undefined` for its optional fields (so options can be forwarded),
 * docs/testing.md's example compiles as it stands, and a COMPLETED state's `output` is `O`
 * when an output codec gives `O`.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT, typeCheck } from '../helpers/type-check';

const STRICTEST: ts.CompilerOptions = { exactOptionalPropertyTypes: true, noUnusedLocals: false };
const ENTRIES = {
  root: 'src/index.ts',
  operators: 'operators/index.ts',
  testing: 'src/testing/index.ts',
  emulator: 'src/emulator/index.ts',
} as const;
/**
 * The exported interfaces a user writes: options, requests, and the values tests and transports
 * build (job states for timelines, requests for wrapped transports).
 */
const OPTIONS =
  /(Options|Config|Script|RateLimits|Faults|Retention|Codecs|Policy|JobRequest|S3Config|JobFields|HttpRequest|JobTimeline)$/;

/** Every exported options interface of the four entry points, with its number of type parameters. */
function optionsTypes(): Array<{ entry: keyof typeof ENTRIES; name: string; arity: number }> {
  const files = Object.values(ENTRIES).map((file) => join(ROOT, file));
  const program = ts.createProgram(files, { strict: true, baseUrl: ROOT, paths: {} });
  const checker = program.getTypeChecker();
  return (Object.keys(ENTRIES) as Array<keyof typeof ENTRIES>).flatMap((entry) => {
    const source = program.getSourceFile(join(ROOT, ENTRIES[entry]))!;
    return checker
      .getExportsOfModule(checker.getSymbolAtLocation(source)!)
      .map((symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol))
      .filter((symbol) => symbol.flags & ts.SymbolFlags.Interface && OPTIONS.test(symbol.name))
      .map((symbol) => {
        const declaration = symbol.declarations![0] as ts.InterfaceDeclaration;
        return { entry, name: symbol.name, arity: declaration.typeParameters?.length ?? 0 };
      });
  });
}

const HELPERS = `
type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];
/** The optional keys of T that refuse an explicit undefined: never when all accept it. */
type RefusingUndefined<T> = {
  [K in OptionalKeys<T>]-?: { [P in K]: undefined } extends Pick<T, K> ? never : K;
}[OptionalKeys<T>];
declare function acceptsUndefined<T>(refusing: [RefusingUndefined<T>] extends [never] ? 'ok' : RefusingUndefined<T>): void;
`;

const check = (name: string, text: string) =>
  typeCheck(new Map([[join(ROOT, 'test', 'types', `.${name}.ts`), `${text}\nexport {};\n`]]), STRICTEST);

describe('types under exactOptionalPropertyTypes', () => {
  it('every options type accepts undefined for each optional field', () => {
    const types = optionsTypes();
    const names = types.map(({ name }) => name);
    // the filter finds what it must (a filter that found nothing would prove nothing)
    expect(names).toEqual(
      expect.arrayContaining([
        'EndpointConfig',
        'CallOptions',
        'SubmitOptions',
        'WatchOptions',
        'StreamOptions',
        'OwnedJobOptions',
        'JobRequest',
        'ExecutionPolicy',
        'S3Config',
        'FetchTransportConfig',
        'RetryOnThrottleConfig',
        'FanOutConfig',
        'PollUntilTerminalConfig',
        'RequestBudgetConfig',
        'SelectOutputConfig',
        'TakeUntilTerminalConfig',
        'ThrowOnJobFailureConfig',
        'FakeEndpointOptions',
        'FakeRateLimits',
        'ThrottleScript',
        'CompletedJobOptions',
        'FailedJobOptions',
        'StreamingJobOptions',
        'EndlessJobOptions',
        'JobTimelineOptions',
        'EmulatorOptions',
        'EmulatorEndpointOptions',
        'EmulatorRateLimits',
        'EmulatorFaults',
        'EmulatorRetention',
        'JobFields',
        'HttpRequest',
        'JobTimeline',
      ]),
    );
    const imports = Object.entries(ENTRIES)
      .map(([entry]) => `import type * as ${entry} from 'runpod-rx${entry === 'root' ? '' : `/${entry}`}';`)
      .join('\n');
    const lines = types.map(({ entry, name, arity }) => {
      const args = arity === 0 ? '' : `<${Array(arity).fill('unknown').join(', ')}>`;
      return `acceptsUndefined<${entry}.${name}${args}>('ok');`;
    });
    expect(check('all-options', `${imports}\n${HELPERS}\n${lines.join('\n')}`)).toEqual([]);
  });

  it('the check can fail: a field without | undefined is named', () => {
    const problems = check(
      'control',
      `${HELPERS}\ninterface Strict { readonly a?: number; readonly b?: number | undefined }\nacceptsUndefined<Strict>('ok');`,
    );
    expect(problems).toEqual([
      expect.stringMatching(/Argument of type '"ok"' is not assignable to parameter of type '"a"'/),
    ]);
  });

  it("docs/testing.md's example compiles as it stands (retryOnThrottle({ count, scheduler }) forwards optional values)", () => {
    expect(typeCheck([join(ROOT, 'test', 'docs', 'testing-example.spec.ts')], STRICTEST)).toEqual([]);
  });

  it('forwarding optional options to fanOut, createRequestBudget, the endpoint and the fakes compiles', () => {
    const code = `
      import { range, type SchedulerLike } from 'rxjs';
      import { createEndpoint, type Endpoint } from 'runpod-rx';
      import { createRequestBudget, fanOut, retryOnThrottle, type RequestBudget } from 'runpod-rx/operators';
      import { completedJob, createFakeEndpoint } from 'runpod-rx/testing';
      import { startEmulator } from 'runpod-rx/emulator';

      interface BatchOptions {
        readonly budget?: RequestBudget;
        readonly scheduler?: SchedulerLike;
        readonly concurrency?: number;
        readonly timeout?: number;
        readonly webhook?: string;
        readonly ttl?: number;
      }
      export function batch(endpoint: Endpoint, { budget, scheduler, concurrency, timeout, webhook, ttl }: BatchOptions) {
        return range(0, 10).pipe(
          fanOut((n) => endpoint.submit({ input: { n }, webhook, policy: { ttl } }, { timeout }), { budget, scheduler, concurrency }),
          retryOnThrottle({ count: concurrency, scheduler }),
        );
      }
      export function setUp(options: { apiKey?: string; port?: number; scheduler?: SchedulerLike; latency?: number }) {
        const budget = createRequestBudget({ scheduler: options.scheduler, margin: undefined });
        const endpoint = createEndpoint({ apiKey: options.apiKey, scheduler: options.scheduler, retry: { count: undefined } });
        const fake = createFakeEndpoint({ scheduler: options.scheduler, latency: options.latency, jobs: completedJob({ id: undefined }) });
        return { budget, endpoint, fake, emulator: startEmulator({ port: options.port, apiKey: options.apiKey }) };
      }
    `;
    expect(check('forwarding', code)).toEqual([]);
  });

  it("a COMPLETED state's output is O with an output codec, optional without one", () => {
    const code = `
      import * as t from 'io-ts';
      import { createEndpoint, type JobState } from 'runpod-rx';

      const typed = createEndpoint({ apiKey: 'k', endpointId: 'ep', codecs: { output: t.array(t.string) } });
      typed.runSync({ input: {} }).subscribe((state) => {
        if (state.status === 'COMPLETED') {
          const output: string[] = state.output; // not string[] | undefined
          output.join(',');
          // @ts-expect-error the output is string[], not a number
          const wrong: number = state.output;
        } else {
          const progress: unknown = state.output;
        }
      });
      // @ts-expect-error with an output type, a COMPLETED state carries its output
      const missing: JobState<string[]> = { id: 'j1', status: 'COMPLETED' };

      // without a codec, as before: output is unknown and may be absent
      const untyped = createEndpoint({ apiKey: 'k', endpointId: 'ep' });
      untyped.runSync({ input: {} }).subscribe((state) => {
        if (state.status === 'COMPLETED') {
          const output: unknown = state.output;
        }
      });
      const bare: JobState = { id: 'j1', status: 'COMPLETED' };
      const withOutput: JobState<string> = { id: 'j1', status: 'COMPLETED', output: 'x' };
      const queued: JobState<string> = { id: 'j1', status: 'IN_QUEUE' };
    `;
    expect(check('completed-output', code)).toEqual([]);
    // the same file under the default settings too: existing user code keeps compiling
    expect(
      typeCheck(new Map([[join(ROOT, 'test', 'types', '.completed-default.ts'), `${code}\nexport {};\n`]]), {
        noUnusedLocals: false,
      }),
    ).toEqual([]);
  });
});
