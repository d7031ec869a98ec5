import { ConfigError, createEndpoint, DEFAULT_BASE_URL, isConfigError } from 'runpod-rx';

const noEnv = {};

describe('createEndpoint configuration', () => {
  it('takes key, endpoint id and base URL from options', () => {
    const endpoint = createEndpoint({
      apiKey: 'k',
      endpointId: 'ep',
      baseUrl: 'http://127.0.0.1:8787/v2/',
      env: noEnv,
    });
    expect(endpoint.endpointId).toBe('ep');
    expect(endpoint.baseUrl).toBe('http://127.0.0.1:8787/v2');
  });

  it('falls back to RUNPOD_* then RP_* environment variables, and to the production base URL', () => {
    const a = createEndpoint({
      env: { RUNPOD_API_KEY: 'k1', RP_API_KEY: 'k2', RUNPOD_ENDPOINT_ID: 'ep1', RP_ENDPOINT_ID: 'ep2' },
    });
    expect(a.endpointId).toBe('ep1');
    expect(a.baseUrl).toBe(DEFAULT_BASE_URL);
    const b = createEndpoint({
      env: { RP_API_KEY: 'k2', RP_ENDPOINT_ID: 'ep2', RUNPOD_ENDPOINT_BASE_URL: 'https://proxy.example/v2' },
    });
    expect(b.endpointId).toBe('ep2');
    expect(b.baseUrl).toBe('https://proxy.example/v2');
  });

  it.each([
    ['no key', { endpointId: 'ep' }, 'no API key: pass apiKey or set RUNPOD_API_KEY (or RP_API_KEY)'],
    [
      'a blank key',
      { apiKey: '  ', endpointId: 'ep' },
      'no API key: pass apiKey or set RUNPOD_API_KEY (or RP_API_KEY)',
    ],
    [
      'a key with a newline',
      { apiKey: 'abc\ndef', endpointId: 'ep' },
      'the API key (passed as apiKey) has a line break at position 3 (counting from 0); a key holds only visible ASCII characters: copy the key again or remove that character',
    ],
    [
      'no endpoint id',
      { apiKey: 'k' },
      'no endpoint id: pass endpointId or set RUNPOD_ENDPOINT_ID (or RP_ENDPOINT_ID)',
    ],
    [
      'an endpoint id with a slash',
      { apiKey: 'k', endpointId: 'a/b' },
      'endpointId may hold only letters, digits, "-" and "_"',
    ],
    [
      'a malformed base URL',
      { apiKey: 'k', endpointId: 'ep', baseUrl: 'not a url' },
      'baseUrl is not a valid absolute URL',
    ],
    [
      'a non-http base URL',
      { apiKey: 'k', endpointId: 'ep', baseUrl: 'ftp://x/v2' },
      'baseUrl must use https (or http on loopback), not ftp:',
    ],
    [
      'plain http to a remote host',
      { apiKey: 'k', endpointId: 'ep', baseUrl: 'http://api.example.com/v2' },
      'refusing plain http to api.example.com: the API key would travel unencrypted; use https or set allowInsecure: true',
    ],
    [
      'a negative requestTimeout',
      { apiKey: 'k', endpointId: 'ep', requestTimeout: -5 },
      'requestTimeout must be a positive number of ms, at most 2147483647',
    ],
    [
      'a fractional retry count',
      { apiKey: 'k', endpointId: 'ep', retry: { count: 1.5 } },
      'retry.count must be a whole number ≥ 0',
    ],
    [
      'a payload limit of 0',
      { apiKey: 'k', endpointId: 'ep', payloadLimits: { run: 0 } },
      'payloadLimits.run must be a whole number of bytes ≥ 1',
    ],
    [
      'a fractional payload limit',
      { apiKey: 'k', endpointId: 'ep', payloadLimits: { runsync: 1.5 } },
      'payloadLimits.runsync must be a whole number of bytes ≥ 1',
    ],
    [
      'a runsyncWait outside RunPod range',
      { apiKey: 'k', endpointId: 'ep', runsyncWait: 500 },
      "runsyncWait must be from 1000 to 300000 ms (RunPod's range)",
    ],
    [
      'a negative cancelPatience',
      { apiKey: 'k', endpointId: 'ep', cancelPatience: -1 },
      'cancelPatience must be a positive number of ms, at most 2147483647',
    ],
    [
      'a cancel rate limit of 0',
      { apiKey: 'k', endpointId: 'ep', cancelRateLimit: { limit: 0 } },
      'cancelRateLimit.limit must be a whole number ≥ 1',
    ],
    [
      'a cancel rate window of 0',
      { apiKey: 'k', endpointId: 'ep', cancelRateLimit: { window: 0 } },
      'cancelRateLimit.window must be a positive number of ms, at most 2147483647',
    ],
    [
      'a status rate limit of 1.5',
      { apiKey: 'k', endpointId: 'ep', statusRateLimit: { limit: 1.5 } },
      'statusRateLimit.limit must be a whole number ≥ 1',
    ],
    [
      'a negative status rate window',
      { apiKey: 'k', endpointId: 'ep', statusRateLimit: { window: -1 } },
      'statusRateLimit.window must be a positive number of ms, at most 2147483647',
    ],
  ])('throws ConfigError synchronously for %s', (_, config, message) => {
    let thrown: unknown;
    try {
      createEndpoint({ ...config, env: noEnv });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(isConfigError(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(message);
  });

  it('allows plain http to a remote host with allowInsecure, and to loopback without it', () => {
    expect(
      createEndpoint({
        apiKey: 'k',
        endpointId: 'ep',
        baseUrl: 'http://api.example.com/v2',
        allowInsecure: true,
        env: noEnv,
      }).baseUrl,
    ).toBe('http://api.example.com/v2');
    for (const host of ['localhost', '127.0.0.1', '[::1]']) {
      expect(() =>
        createEndpoint({ apiKey: 'k', endpointId: 'ep', baseUrl: `http://${host}:1/v2`, env: noEnv }),
      ).not.toThrow();
    }
  });
});
