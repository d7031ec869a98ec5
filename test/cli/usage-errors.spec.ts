import { main } from '../../src/cli/main';
import { capture } from './capture';

/** One usage error as the CLI prints it: a clean line, then where to find help. */
const usageLine = (prefix: string, message: string) => `${prefix}: ${message}\nRun '${prefix} --help' for usage.\n`;

describe('runpod-rx usage errors: one clean message, exit 2, nothing sent', () => {
  it.each([
    [
      ['run', '--input', '{}', '--timeout', '-5'],
      'runpod-rx run',
      "--timeout takes a whole number of milliseconds ≥ 1, not '-5'",
    ],
    [
      ['run', '--input', '{}', '--timeout', '1.5'],
      'runpod-rx run',
      "--timeout takes a whole number of milliseconds ≥ 1, not '1.5'",
    ],
    [
      ['run', '--input', '{}', '--timeout', ''],
      'runpod-rx run',
      "--timeout takes a whole number of milliseconds ≥ 1, not ''",
    ],
    [['run', '--input', '{}', '--strem'], 'runpod-rx run', "unknown option '--strem' (did you mean --stream?)"],
    [
      ['run', '--input', '{}', '--low-priorty'],
      'runpod-rx run',
      "unknown option '--low-priorty' (did you mean --low-priority?)",
    ],
    [
      ['run', '--stream', '--async', '--input', '{}'],
      'runpod-rx run',
      "option '--stream' cannot be used with option '--async'",
    ],
    [
      ['run', '--input', '[1,2]'],
      'runpod-rx run',
      `--input must be a JSON object, e.g. '{"prompt":"hi"}', not an array`,
    ],
    [
      ['run', '--input', '"hi"'],
      'runpod-rx run',
      `--input must be a JSON object, e.g. '{"prompt":"hi"}', not a string`,
    ],
    [['run', '--input', 'null'], 'runpod-rx run', `--input must be a JSON object, e.g. '{"prompt":"hi"}', not null`],
    [['run', '--input', '{nope'], 'runpod-rx run', '--input is not valid JSON'],
    [
      ['run', '--input', '{}', '--ttl', 'soon'],
      'runpod-rx run',
      "--ttl takes a whole number of milliseconds ≥ 1, not 'soon'",
    ],
    [
      ['run', '--input', '{}', '--webhook', 'ftp://x.example/hook'],
      'runpod-rx run',
      '--webhook takes an http: or https: URL, not ftp:',
    ],
    [
      ['run', '--input', '{}', '--webhook', 'not a url'],
      'runpod-rx run',
      "--webhook takes an absolute http(s) URL, not 'not a url'",
    ],
    [['run', '--input', '{}', '--timeout'], 'runpod-rx run', "option '--timeout <ms>' argument missing"],
    [['run'], 'runpod-rx run', "required option '--input <json>' not specified"],
    [['emulator', '--port', '99999'], 'runpod-rx emulator', "--port takes a whole number from 0 to 65535, not '99999'"],
    [['emulator', '--port', '-1'], 'runpod-rx emulator', "--port takes a whole number from 0 to 65535, not '-1'"],
    [['emulator', '--workers', '0'], 'runpod-rx emulator', "--workers takes a whole number ≥ 1, not '0'"],
    [
      ['emulator', '--cors', 'https://app.example/path'],
      'runpod-rx emulator',
      "--cors takes * or an origin like https://app.example:8080, not 'https://app.example/path'",
    ],
    [
      ['emulator', '--api-key', 'k', '--any-key'],
      'runpod-rx emulator',
      "option '--api-key <key>' cannot be used with option '--any-key'",
    ],
    [['status'], 'runpod-rx status', "missing required argument 'id'"],
    [['status', 'a', 'b'], 'runpod-rx status', "too many arguments for 'status'. Expected 1 argument but got 2."],
    [['health', 'extra'], 'runpod-rx health', "too many arguments for 'health'. Expected 0 arguments but got 1."],
    [['stauts', 'x'], 'runpod-rx', "unknown command 'stauts' (did you mean status?)"],
    [['bogus'], 'runpod-rx', "unknown command 'bogus'"],
  ])('%j', async (argv, prefix, message) => {
    const c = capture();
    expect(await main(argv, c.io)).toBe(2);
    expect(c.stderr()).toBe(usageLine(prefix, message));
    expect(c.stdout()).toBe('');
  });

  it('a policy under RunPod minimums is refused by the client before anything is sent (exit 2)', async () => {
    const c = capture();
    expect(await main(['run', '--input', '{}', '--execution-timeout', '1000'], c.io)).toBe(2);
    expect(c.stderr()).toContain('runpod-rx run: policy.executionTimeout must be a whole number of ms from 5000 to');
    expect(c.stdout()).toBe('');
  });

  it('no command prints the overview on stderr and exits 2; help and --help exit 0', async () => {
    const none = capture();
    expect(await main([], none.io)).toBe(2);
    expect(none.stderr()).toMatch(/^Usage: runpod-rx \[options\] \[command\]/);
    for (const command of ['run', 'status', 'cancel', 'retry', 'health', 'purge-queue', 'emulator', 'demo']) {
      expect(none.stderr()).toContain(`\n  ${command}`);
    }

    const help = capture();
    expect(await main(['help', 'run'], help.io)).toBe(0);
    expect(help.stdout()).toMatch(/^Usage: runpod-rx run \[options\]/);
    for (const flag of [
      '--input',
      '--stream',
      '--async',
      '--timeout',
      '--execution-timeout',
      '--ttl',
      '--low-priority',
      '--webhook',
      '--endpoint-id',
      '--base-url',
    ]) {
      expect(help.stdout()).toContain(flag);
    }

    const emulatorHelp = capture();
    expect(await main(['emulator', '--help'], emulatorHelp.io)).toBe(0);
    for (const flag of ['--port', '--api-key', '--any-key', '--workers', '--cors', '--return-aggregate-stream']) {
      expect(emulatorHelp.stdout()).toContain(flag);
    }
  });
});
