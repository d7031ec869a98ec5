import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator } from 'runpod-rx/emulator';
import { main } from '../../src/cli/main';
import { capture } from './capture';

const KEY = 'rpa_CONNECTIONSPECKEY0000';

describe('runpod-rx: where requests go', () => {
  describe('anything configured without a key is a usage error naming the key, never a mock', () => {
    it.each([
      [{ RUNPOD_ENDPOINT_ID: 'my-prod-sdxl' }, [], 'RUNPOD_ENDPOINT_ID is set'],
      [{ RP_ENDPOINT_ID: 'my-prod-sdxl' }, [], 'RP_ENDPOINT_ID is set'],
      [{ RUNPOD_ENDPOINT_BASE_URL: 'http://127.0.0.1:1/v2' }, [], 'RUNPOD_ENDPOINT_BASE_URL is set'],
      [{}, ['--endpoint-id', 'my-prod-sdxl'], '--endpoint-id is set'],
      [{}, ['--base-url', 'http://127.0.0.1:1/v2'], '--base-url is set'],
      [
        { RUNPOD_ENDPOINT_ID: 'ep', RUNPOD_ENDPOINT_BASE_URL: 'http://127.0.0.1:1/v2' },
        [],
        'RUNPOD_ENDPOINT_ID and RUNPOD_ENDPOINT_BASE_URL are set',
      ],
    ])('%j %j', async (env, flags, given) => {
      for (const argv of [
        ['run', '--input', '{"prompt":"hi"}', ...flags],
        ['health', ...flags],
      ]) {
        const c = capture(env);
        expect(await main(argv, c.io)).toBe(2);
        expect(c.stdout()).toBe('');
        expect(c.stderr()).toBe(
          `runpod-rx ${argv[0]}: no API key: ${given}, so runpod-rx will not use an embedded emulator; ` +
            `set RUNPOD_API_KEY (or RP_API_KEY)\nRun 'runpod-rx ${argv[0]} --help' for usage.\n`,
        );
      }
    });

    it('a key without an endpoint id is a usage error that does not print the key', async () => {
      const c = capture({ RUNPOD_API_KEY: KEY });
      expect(await main(['health'], c.io)).toBe(2);
      expect(c.stderr()).toContain(
        'runpod-rx health: no endpoint id: RUNPOD_API_KEY is set; pass --endpoint-id or set RUNPOD_ENDPOINT_ID (or RP_ENDPOINT_ID)',
      );
      expect(c.stderr()).not.toContain(KEY);
    });

    it('a key with a control character is refused without printing it', async () => {
      const c = capture({ RUNPOD_API_KEY: `${KEY}\n`, RUNPOD_ENDPOINT_ID: 'ep' });
      expect(await main(['health'], c.io)).toBe(2);
      expect(c.stderr()).toMatch(/^runpod-rx health: .*key/);
      expect(c.stderr()).not.toContain(KEY);
    });
  });

  describe('with nothing configured: an embedded emulator, said so', () => {
    it('empty variables count as not configured', async () => {
      const c = capture({ RUNPOD_API_KEY: '', RUNPOD_ENDPOINT_ID: '', RUNPOD_ENDPOINT_BASE_URL: '' });
      expect(await main(['health'], c.io)).toBe(0);
      expect(c.stderr()).toMatch(/^no API key, endpoint id or base URL configured: using an embedded emulator at /);
      expect(JSON.parse(c.stdout())).toMatchObject({ jobs: { completed: 0 } });
    });

    it.each(['status', 'cancel', 'retry'])(
      '%s ID explains why no id is known and how to keep jobs',
      async (command) => {
        const c = capture();
        expect(await main([command, 'abc-123'], c.io)).toBe(2);
        expect(c.stdout()).toBe('');
        const err = c.stderr();
        expect(err).toMatch(new RegExp(`^runpod-rx ${command}: job abc-123 is unknown here: no API key, endpoint id`));
        expect(err).toContain('fresh emulator in its own process, which knows no job from an earlier command');
        expect(err).toContain('runpod-rx emulator --port 8787');
        expect(err).toContain(`RUNPOD_ENDPOINT_BASE_URL=http://127.0.0.1:8787/v2 RUNPOD_API_KEY=<printed key>`);
        expect(err).toContain(`runpod-rx ${command} abc-123`);
        // Nothing was started for it.
        expect(err).not.toContain('using an embedded emulator');
      },
    );
  });

  describe('--endpoint-id and --base-url', () => {
    let emulator: Emulator;
    beforeAll(async () => {
      emulator = await startEmulator({ apiKey: KEY });
    });
    afterAll(() => emulator.close());

    it('win over the environment', async () => {
      const env = {
        RUNPOD_API_KEY: KEY,
        RUNPOD_ENDPOINT_ID: 'from-env',
        RUNPOD_ENDPOINT_BASE_URL: 'http://127.0.0.1:1/v2',
      };
      const c = capture(env);
      const flags = ['--endpoint-id', 'from-flag', '--base-url', emulator.baseUrl];
      expect(await main(['run', '--async', '--input', '{"mock_delay":0}', ...flags], c.io)).toBe(0);
      expect(c.stderr()).toBe('');
      const { id } = JSON.parse(c.stdout()) as { id: string };
      expect(emulator.job(id)?.endpointId).toBe('from-flag');
      expect(emulator.jobs('from-env')).toEqual([]);

      const status = capture(env);
      expect(await main(['status', id, ...flags], status.io)).toBe(0);
      expect(JSON.parse(status.stdout())).toMatchObject({ id });
    });

    it('RP_API_KEY is read when RUNPOD_API_KEY is not set', async () => {
      const c = capture({ RP_API_KEY: KEY, RP_ENDPOINT_ID: 'rp' });
      expect(await main(['health', '--base-url', emulator.baseUrl], c.io)).toBe(0);
      expect(c.stderr()).toBe('');
      expect(JSON.parse(c.stdout())).toMatchObject({ workers: { idle: expect.any(Number) } });
    });
  });
});

describe('runpod-rx: no error line shows the key', () => {
  it('blanks the configured key out of an error body that echoes it', async () => {
    const server = createServer((request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: `rejected: ${request.headers.authorization}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const c = capture({ RUNPOD_API_KEY: KEY, RUNPOD_ENDPOINT_ID: 'ep' });
      expect(await main(['health', '--base-url', `http://127.0.0.1:${port}/v2`], c.io)).toBe(3);
      expect(c.stderr()).toMatch(/^runpod-rx health: HttpError: HTTP 400: rejected: Bearer .*\n$/);
      expect(c.stderr()).not.toContain(KEY);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
