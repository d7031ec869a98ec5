import * as emulatorModule from '../../src/emulator/index';
import { main } from '../../src/cli/main';
import { capture, type Captured } from './capture';

// The real emulator, watched: the spec checks which options the command passes to it.
jest.mock('../../src/emulator/index', () => {
  const actual = jest.requireActual<typeof emulatorModule>('../../src/emulator/index');
  return { ...actual, startEmulator: jest.fn(actual.startEmulator) };
});
const startEmulator = emulatorModule.startEmulator as jest.MockedFunction<typeof emulatorModule.startEmulator>;

/**
 * Starts `runpod-rx emulator ...args` and returns its first `lines` lines (printed in one go
 * once it listens).
 */
async function serve(args: string[], lines: number): Promise<{ c: Captured; lines: string[]; done: Promise<number> }> {
  const c = capture();
  const done = main(['emulator', '--port', '0', ...args], c.io);
  await c.printed('listening on', 'stdout');
  return { c, lines: c.stdout().split('\n').slice(0, lines), done };
}

const healthStatus = async (baseUrl: string, key: string) =>
  (await fetch(`${baseUrl}/ep/health`, { headers: { authorization: `Bearer ${key}` } })).status;

const LISTENING = /^listening on (http:\/\/127\.0\.0\.1:\d+\/v2)$/;

describe('runpod-rx emulator', () => {
  beforeEach(() => startEmulator.mockClear());

  it('without --api-key makes a random key, prints it under the listening line and requires it', async () => {
    const first = await serve([], 2);
    const second = await serve([], 2);
    try {
      const [listening, keyLine] = first.lines;
      const baseUrl = LISTENING.exec(listening)![1];
      const key = /^api key: (rpa_[0-9A-F]{40})$/.exec(keyLine)![1];
      expect(startEmulator).toHaveBeenCalledWith(expect.objectContaining({ apiKey: key }));
      expect(await healthStatus(baseUrl, key)).toBe(200);
      expect(await healthStatus(baseUrl, 'rpa_SOMEONEELSE')).toBe(401);
      expect(second.lines[1]).toMatch(/^api key: rpa_[0-9A-F]{40}$/);
      expect(second.lines[1]).not.toBe(keyLine);
      expect(first.c.stdout()).toBe(`${listening}\n${keyLine}\n`);
    } finally {
      first.c.interrupt();
      second.c.interrupt();
      expect(await first.done).toBe(0);
      expect(await second.done).toBe(0);
    }
  });

  it('with --api-key uses that key and prints no key', async () => {
    const { c, lines, done } = await serve(['--api-key', 'dev-key'], 1);
    try {
      expect(c.stdout()).toBe(`${lines[0]}\n`);
      const baseUrl = LISTENING.exec(lines[0])![1];
      expect(await healthStatus(baseUrl, 'dev-key')).toBe(200);
      expect(await healthStatus(baseUrl, 'other')).toBe(401);
    } finally {
      c.interrupt();
      expect(await done).toBe(0);
    }
  });

  it('--any-key opens it to any key, and says so', async () => {
    const { c, lines, done } = await serve(['--any-key'], 2);
    try {
      expect(lines[1]).toBe('api key: any (--any-key)');
      expect(startEmulator.mock.calls[0][0]).not.toHaveProperty('apiKey');
      expect(await healthStatus(LISTENING.exec(lines[0])![1], 'whatever')).toBe(200);
    } finally {
      c.interrupt();
      expect(await done).toBe(0);
    }
  });

  it('passes --cors (repeatable), --workers and --return-aggregate-stream to startEmulator', async () => {
    const { c, done } = await serve(
      [
        '--cors',
        'https://app.example',
        '--cors',
        'http://10.0.0.5:3000',
        '--workers',
        '3',
        '--return-aggregate-stream',
      ],
      2,
    );
    c.interrupt();
    expect(await done).toBe(0);
    expect(startEmulator).toHaveBeenCalledTimes(1);
    expect(startEmulator.mock.calls[0][0]).toEqual({
      port: 0,
      apiKey: expect.stringMatching(/^rpa_/),
      workers: 3,
      corsOrigins: ['https://app.example', 'http://10.0.0.5:3000'],
      returnAggregateStream: true,
    });
  });

  it('allows * only when asked for, and no extra origin or aggregate output by default', async () => {
    const star = await serve(['--cors', '*'], 2);
    star.c.interrupt();
    expect(await star.done).toBe(0);
    expect(startEmulator.mock.calls[0][0]).toMatchObject({ corsOrigins: ['*'] });

    const plain = await serve([], 2);
    plain.c.interrupt();
    expect(await plain.done).toBe(0);
    expect(startEmulator.mock.calls[1][0]).not.toHaveProperty('corsOrigins');
    expect(startEmulator.mock.calls[1][0]).not.toHaveProperty('returnAggregateStream');
  });
});
