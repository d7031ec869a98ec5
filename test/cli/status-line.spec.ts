import { firstValueFrom } from 'rxjs';
import { createEndpoint, type JobState } from 'runpod-rx';
import { startEmulator, type Emulator, type EmulatorHandler } from 'runpod-rx/emulator';
import { main } from '../../src/cli/main';
import { StatusLine } from '../../src/cli/status-line';
import { capture, type Captured } from './capture';

const ELAPSED = String.raw`(\d+ ms|\d+\.\d s)`;
const state = (status: JobState['status'], output?: unknown): JobState =>
  ({ id: 'job-1', status, ...(output !== undefined && { output }) }) as JobState;

describe('StatusLine', () => {
  it('prints one plain line per changed state, with progress output and the elapsed time', () => {
    const c = capture();
    const line = new StatusLine(c.io);
    for (const s of [
      state('IN_QUEUE'),
      state('IN_QUEUE'),
      state('IN_PROGRESS'),
      state('IN_PROGRESS', { step: 1 }),
      state('IN_PROGRESS', { step: 1 }),
      state('IN_PROGRESS', 'x'.repeat(100)),
      state('COMPLETED', 'the output goes to stdout, not here'),
    ]) {
      line.update(s);
    }
    line.stop();
    const lines = c.stderr().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => l.replace(new RegExp(` \\(${ELAPSED}\\)$`), ''))).toEqual([
      'IN_QUEUE',
      'IN_PROGRESS',
      'IN_PROGRESS {"step":1}',
      `IN_PROGRESS ${'x'.repeat(59)}…`,
      'COMPLETED',
    ]);
    expect(lines.every((l) => new RegExp(` \\(${ELAPSED}\\)$`).test(l))).toBe(true);
  });

  it('on a terminal redraws one line in place and ends it with a newline', () => {
    const c = capture({}, { isTTY: true });
    const line = new StatusLine(c.io);
    line.update(state('IN_QUEUE'));
    line.update(state('FAILED'));
    line.stop();
    expect(c.stderr()).toMatch(
      new RegExp(
        `^\\r\\x1b\\[2KIN_QUEUE  ${ELAPSED}(\\r\\x1b\\[2KIN_QUEUE  ${ELAPSED})*\\r\\x1b\\[2KFAILED  ${ELAPSED}\\n$`,
      ),
    );
  });
});

describe('runpod-rx run: the live status line shows every state and progress', () => {
  // A worker that publishes two progress updates, each only after the CLI has shown the previous
  // one, then returns (or waits to be cancelled): no sleep decides what the test sees.
  let cli: Captured | undefined;
  const shown = (text: string, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason));
      void cli!.printed(text).then(resolve);
    });
  const handler: EmulatorHandler = async (job, { progress, signal }) => {
    progress('loading model');
    await shown('IN_PROGRESS loading model', signal);
    progress({ step: 3, of: 10 });
    await shown('IN_PROGRESS {"step":3,"of":10}', signal);
    if ((job.input as { hang?: boolean }).hang)
      await new Promise((_, reject) => signal.addEventListener('abort', reject));
    return { done: true };
  };
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ apiKey: 'status-line-key', handler });
  });
  afterAll(() => emulator.close());
  const env = () => ({
    RUNPOD_API_KEY: 'status-line-key',
    RUNPOD_ENDPOINT_ID: 'ep',
    RUNPOD_ENDPOINT_BASE_URL: emulator.baseUrl,
  });

  it('on a terminal: IN_QUEUE, IN_PROGRESS with each progress update, COMPLETED, each with elapsed time', async () => {
    cli = capture(env(), { isTTY: true });
    expect(await main(['run', '--input', '{}'], cli.io)).toBe(0);
    expect(cli.stdout()).toBe('{"done":true}\n');
    const drawn = cli
      .stderr()
      .split('\r\x1b[2K')
      .filter((part) => part !== '');
    for (const part of drawn) expect(part).toMatch(new RegExp(`^.+  ${ELAPSED}\\n?$`));
    const states = drawn.map((part) => part.replace(new RegExp(`  ${ELAPSED}\\n?$`), ''));
    // Each state once, in order (redraws of the same state only tick the time).
    expect(states.filter((s, i) => s !== states[i - 1])).toEqual([
      'IN_QUEUE',
      ...(states.includes('IN_PROGRESS') ? ['IN_PROGRESS'] : []),
      'IN_PROGRESS loading model',
      'IN_PROGRESS {"step":3,"of":10}',
      'COMPLETED',
    ]);
    expect(cli.stderr().endsWith('\n')).toBe(true);
  });

  it('plain lines otherwise; a job cancelled elsewhere shows CANCELLED and exits 1', async () => {
    cli = capture(env());
    const done = main(['run', '--input', '{"hang":true}'], cli.io);
    await cli.printed('IN_PROGRESS {"step":3,"of":10}');
    const id = emulator.jobs('ep').find((job) => job.status === 'IN_PROGRESS')!.id;
    const endpoint = createEndpoint({
      apiKey: 'status-line-key',
      endpointId: 'ep',
      baseUrl: emulator.baseUrl,
      env: {},
    });
    await firstValueFrom(endpoint.cancel(id));
    expect(await done).toBe(1);
    const lines = cli.stderr().split('\n');
    expect(lines.pop()).toBe('');
    const states = lines.slice(0, -1).map((l) => l.replace(new RegExp(` \\(${ELAPSED}\\)$`), ''));
    expect(states.filter((s) => s !== 'IN_PROGRESS')).toEqual([
      'IN_QUEUE',
      'IN_PROGRESS loading model',
      'IN_PROGRESS {"step":3,"of":10}',
      'CANCELLED',
    ]);
    expect(lines[lines.length - 1]).toBe(`job ${id} ended CANCELLED`);
    expect(cli.stdout()).toBe('');
  });
});
