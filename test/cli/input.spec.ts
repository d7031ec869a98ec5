import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { capture } from './capture';

/** A loopback server that records each /run body and answers IN_QUEUE, to see what the CLI sends. */
async function recordingServer(): Promise<{ baseUrl: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      bodies.push(JSON.parse(text));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: `job-${bodies.length}`, status: 'IN_QUEUE' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v2`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function* chunks(...parts: (string | Uint8Array)[]): AsyncIterable<string | Uint8Array> {
  for (const part of parts) yield part;
}

describe('runpod-rx run: input, policy and webhook on the wire', () => {
  let server: Awaited<ReturnType<typeof recordingServer>>;
  let dir: string;
  beforeAll(async () => {
    server = await recordingServer();
    dir = await mkdtemp(join(tmpdir(), 'runpod-rx-cli-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const env = () => ({
    RUNPOD_API_KEY: 'input-spec-key',
    RUNPOD_ENDPOINT_ID: 'ep',
    RUNPOD_ENDPOINT_BASE_URL: server.baseUrl,
  });

  /** Runs `run --async` with these arguments and returns the body the server received. */
  async function sent(args: string[], stdin?: AsyncIterable<string | Uint8Array>): Promise<unknown> {
    const before = server.bodies.length;
    const c = capture(env(), stdin === undefined ? {} : { stdin });
    expect(await main(['run', '--async', ...args], c.io)).toBe(0);
    expect(c.stderr()).toBe('');
    expect(server.bodies).toHaveLength(before + 1);
    expect(JSON.parse(c.stdout())).toEqual({ id: `job-${before + 1}`, status: 'IN_QUEUE' });
    return server.bodies[before];
  }

  it('sends only the input when no policy or webhook flag is given', async () => {
    expect(await sent(['--input', '{"prompt":"hi"}'])).toEqual({ input: { prompt: 'hi' } });
  });

  it('reads --input @file.json', async () => {
    const path = join(dir, 'job.json');
    await writeFile(path, '{ "prompt": "from a file", "steps": [1, 2] }\n');
    expect(await sent(['--input', `@${path}`])).toEqual({ input: { prompt: 'from a file', steps: [1, 2] } });
  });

  it('reads --input - from stdin, a character split across chunks included', async () => {
    const bytes = new TextEncoder().encode('{"prompt":"café ☕"}');
    const cut = bytes.indexOf(0xe2) + 1; // inside the three bytes of ☕
    expect(await sent(['--input', '-'], chunks('', bytes.slice(0, cut), bytes.slice(cut)))).toEqual({
      input: { prompt: 'café ☕' },
    });
    expect(await sent(['--input', '-'], chunks('{"a":', '1}'))).toEqual({ input: { a: 1 } });
  });

  it('sends the policy and webhook flags', async () => {
    const body = await sent([
      '--input',
      '{}',
      '--execution-timeout',
      '600000',
      '--ttl',
      '3600000',
      '--low-priority',
      '--webhook',
      'https://hooks.example/runpod?token=1',
    ]);
    expect(body).toEqual({
      input: {},
      webhook: 'https://hooks.example/runpod?token=1',
      policy: { executionTimeout: 600_000, ttl: 3_600_000, lowPriority: true },
    });
  });

  it.each([
    [['--input', '-'], undefined, '--input - reads stdin, but this caller provides none'],
    [['--input', '-'], chunks('[1,2]'), `--input must be a JSON object, e.g. '{"prompt":"hi"}', not an array`],
    [['--input', '-'], chunks(''), '--input - (stdin) is not valid JSON'],
    [
      ['--input', '@/nonexistent/runpod-rx/job.json'],
      undefined,
      '--input cannot read the file /nonexistent/runpod-rx/job.json (ENOENT)',
    ],
  ])('%j is a usage error and sends nothing', async (args, stdin, message) => {
    const before = server.bodies.length;
    const c = capture(env(), stdin === undefined ? {} : { stdin });
    expect(await main(['run', ...args], c.io)).toBe(2);
    expect(c.stderr()).toBe(`runpod-rx run: ${message}\nRun 'runpod-rx run --help' for usage.\n`);
    expect(server.bodies).toHaveLength(before);
  });

  it('a file that is not JSON is named in the message', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, 'prompt: hi\n');
    const c = capture(env());
    expect(await main(['run', '--input', `@${path}`], c.io)).toBe(2);
    expect(c.stderr()).toContain(`runpod-rx run: --input @${path} is not valid JSON`);
  });
});
