import { main } from '../../src/cli/main';
import { capture } from './capture';
import { startEmulator, type Emulator } from 'runpod-rx/emulator';

describe('runpod-rx CLI', () => {
  it('run --stream prints each chunk as it arrives, against an embedded emulator it announces', async () => {
    const c = capture();
    const code = await main(['run', '--input', '{"mock_return":["a","b","c"],"mock_delay":0.05}', '--stream'], c.io);
    expect(code).toBe(0);
    expect(c.stdout()).toBe('a\nb\nc\n');
    expect(c.stderr()).toMatch(
      /^no API key, endpoint id or base URL configured: using an embedded emulator at http:\/\/127\.0\.0\.1:\d+\/v2 \(endpoint "local"\), which stops when this command ends\n/,
    );
    expect(c.stderr()).toContain('COMPLETED');
  });

  it('run prints the output and plain status lines when stderr is not a terminal', async () => {
    const c = capture();
    expect(await main(['run', '--input', '{"mock_return":{"x":1}}'], c.io)).toBe(0);
    expect(c.stdout()).toBe('{"x":1}\n');
    expect(
      c
        .stderr()
        .split('\n')
        .filter((line) => /^(IN_QUEUE|COMPLETED) \(/.test(line)),
    ).toHaveLength(2);
  });

  it('run redraws one status line in place on a terminal', async () => {
    const c = capture({}, { isTTY: true });
    expect(await main(['run', '--input', '{"mock_delay":0.3}'], c.io)).toBe(0);
    expect(c.stderr()).toContain('\r\x1b[2KIN_QUEUE  ');
    expect(c.stderr()).toContain('\r\x1b[2KCOMPLETED  ');
  });

  it('run exits 1 with the error text when the job fails', async () => {
    const c = capture();
    expect(await main(['run', '--input', '{"mock_error":true}'], c.io)).toBe(1);
    expect(c.stderr()).toMatch(/job \S+ ended FAILED: Mock error/);
  });

  it('run --async only queues the job', async () => {
    const c = capture();
    expect(await main(['run', '--async', '--input', '{}'], c.io)).toBe(0);
    expect(JSON.parse(c.stdout())).toEqual({ id: expect.stringMatching(/-[ue]\d+$/), status: 'IN_QUEUE' });
  });

  it('run --timeout cancels the job and exits non-zero', async () => {
    const c = capture();
    expect(await main(['run', '--timeout', '300', '--input', '{"mock_delay":30}'], c.io)).toBe(3);
    expect(c.stderr()).toMatch(/timed out: job \S+ cancelled/);
  });

  it('Ctrl-C while running cancels the job', async () => {
    const c = capture();
    const done = main(['run', '--input', '{"mock_delay":30}'], c.io);
    setTimeout(() => c.interrupt(), 200);
    expect(await done).toBe(1);
    expect(c.stderr()).toMatch(/interrupted: job \S+ cancelled/);
  });

  describe('against an emulator given by the environment', () => {
    let emulator: Emulator;
    beforeAll(async () => {
      emulator = await startEmulator({ apiKey: 'cli-key' });
    });
    afterAll(() => emulator.close());
    const env = () => ({
      RUNPOD_API_KEY: 'cli-key',
      RUNPOD_ENDPOINT_ID: 'cli',
      RUNPOD_ENDPOINT_BASE_URL: emulator.baseUrl,
    });

    it('uses the configured endpoint, not an embedded one, for run, status, cancel, retry, health and purge-queue', async () => {
      const run = capture(env());
      expect(await main(['run', '--async', '--input', '{"mock_error":true}'], run.io)).toBe(0);
      expect(run.stderr()).toBe('');
      const { id } = JSON.parse(run.stdout()) as { id: string };
      await new Promise((resolve) => setTimeout(resolve, 100));

      const status = capture(env());
      expect(await main(['status', id], status.io)).toBe(0);
      expect(JSON.parse(status.stdout())).toMatchObject({ id, status: 'FAILED' });

      const retry = capture(env());
      expect(await main(['retry', id], retry.io)).toBe(0);
      expect(JSON.parse(retry.stdout())).toEqual({ id, status: 'IN_QUEUE' });

      const health = capture(env());
      expect(await main(['health'], health.io)).toBe(0);
      expect(JSON.parse(health.stdout())).toMatchObject({ jobs: { retried: 1 } });

      const purge = capture(env());
      expect(await main(['purge-queue'], purge.io)).toBe(0);
      expect(JSON.parse(purge.stdout())).toEqual({ removed: expect.any(Number), status: 'completed' });

      const { id: longId } = JSON.parse(
        await (async () => {
          const c = capture(env());
          await main(['run', '--async', '--input', '{"mock_delay":30}'], c.io);
          return c.stdout();
        })(),
      ) as { id: string };
      const cancel = capture(env());
      expect(await main(['cancel', longId], cancel.io)).toBe(0);
      expect(JSON.parse(cancel.stdout())).toMatchObject({ id: longId, status: 'CANCELLED' });
    });

    it('reports an unknown job as a NotFoundError with exit code 3', async () => {
      const c = capture(env());
      expect(await main(['status', 'nope-u1'], c.io)).toBe(3);
      expect(c.stderr()).toBe(
        'runpod-rx status: NotFoundError: job nope-u1 not found or expired (GET /cli/status/nope-u1)\n',
      );
      expect(c.stderr()).not.toContain('cli-key');
    });

    it('reports a wrong key as an UnauthorizedError without printing the key', async () => {
      const c = capture({ ...env(), RUNPOD_API_KEY: 'wrong-key' });
      expect(await main(['health'], c.io)).toBe(3);
      expect(c.stderr()).toContain('UnauthorizedError');
      expect(c.stderr()).not.toContain('wrong-key');
    });
  });

  it('emulator prints its URL when ready and stops when interrupted', async () => {
    const c = capture();
    const done = main(['emulator', '--port', '0', '--api-key', 'k', '--workers', '1'], c.io);
    while (!c.stdout().includes('\n')) await new Promise((resolve) => setTimeout(resolve, 10));
    const match = /^listening on (http:\/\/127\.0\.0\.1:\d+\/v2)\n$/.exec(c.stdout());
    expect(match).not.toBeNull();
    const answer = await fetch(`${match![1]}/ep/health`, { headers: { authorization: 'Bearer k' } });
    expect(answer.status).toBe(200);
    c.interrupt();
    expect(await done).toBe(0);
  });

  it.each(['run', 'status', 'cancel', 'retry', 'health', 'purge-queue', 'emulator', 'demo'])(
    '%s --help prints its usage',
    async (command) => {
      const c = capture();
      expect(await main([command, '--help'], c.io)).toBe(0);
      expect(c.stdout()).toMatch(new RegExp(`^Usage: runpod-rx ${command}`));
    },
  );

  it.each([
    [['bogus'], "runpod-rx: unknown command 'bogus'"],
    [['run'], "runpod-rx run: required option '--input <json>' not specified"],
    [['run', '--input', '{nope'], 'runpod-rx run: --input is not valid JSON'],
    [
      ['run', '--input', '{}', '--timeout', '0'],
      "runpod-rx run: --timeout takes a whole number of milliseconds ≥ 1, not '0'",
    ],
    [['status'], "runpod-rx status: missing required argument 'id'"],
    [['health', '--frobnicate'], "runpod-rx health: unknown option '--frobnicate'"],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const c = capture();
    expect(await main(argv, c.io)).toBe(2);
    expect(c.stderr()).toContain(message);
  });

  it('demo runs every operation against an embedded emulator', async () => {
    const c = capture();
    expect(await main(['demo'], c.io)).toBe(0);
    const out = c.stdout();
    for (const expected of [
      'COMPLETED output=Hello World!',
      'status: IN_PROGRESS output=sampling',
      'COMPLETED output={"answer":42}',
      '+',
      'cancel → CANCELLED',
      'TimeoutError: job not finished within 500 ms',
      'TIMED_OUT',
      'after retry → FAILED',
      'output.answer + 1 = 43',
      'purge-queue → {"removed":3,"status":"completed"}',
      '"retried":1',
      'done: every operation worked against the emulator.',
    ]) {
      expect(out).toContain(expected);
    }
  }, 30_000);
});
