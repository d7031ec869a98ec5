import { inspect } from 'node:util';
import { TestScheduler } from 'rxjs/testing';
import { createEndpoint, type RunpodEvent } from 'runpod-rx';
import { json, text, throttled } from 'runpod-rx/testing';
import { API_KEY, fakeEndpoint } from '../helpers/endpoint';
import { createTestScheduler } from '../helpers/test-scheduler';

function everyText(value: unknown): string {
  const parts = [inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value) ?? ''];
  if (value instanceof Error) parts.push(value.message, value.stack ?? '', String(value));
  return parts.join('\n');
}

describe('the API key never leaks', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('is absent from the endpoint object, its inspection and its JSON', () => {
    const endpoint = createEndpoint({ apiKey: API_KEY, endpointId: 'ep1', env: {} });
    expect(everyText(endpoint)).not.toContain(API_KEY);
  });

  it('is absent from every error and every event, whatever went wrong', () => {
    const errors: unknown[] = [];
    const events: RunpodEvent[] = [];
    const responses = [
      json({ error: 'bad key' }, 401),
      json({ error: 'nope' }, 404),
      throttled(1),
      json({ error: 'boom' }, 500),
      json({ error: 'bad' }, 400),
      text('<html>oops</html>'),
      json({ id: 'j1', status: 'WEIRD' }),
      json({ id: 'j1', status: 'FAILED', error: 'kaput' }),
    ];
    rx.run(({ cold, flush }) => {
      for (const response of responses) {
        const { endpoint } = fakeEndpoint(rx, () => cold('-r|', { r: response }), {
          retry: { count: 1 },
          onEvent: (e) => events.push(e),
        });
        endpoint.status('j1').subscribe({ error: (e) => errors.push(e) });
        endpoint.run({ input: { big: 1n } }).subscribe({ error: (e) => errors.push(e) });
        endpoint.stream('j1', { timeout: 10 }).subscribe({ error: (e) => errors.push(e) });
      }
      const { endpoint } = fakeEndpoint(rx, () => cold('-#', undefined, new Error('socket hang up')));
      endpoint.health().subscribe({ error: (e) => errors.push(e) });
      flush();
    });
    expect(errors.length).toBeGreaterThanOrEqual(responses.length * 3);
    for (const error of errors) expect(everyText(error)).not.toContain(API_KEY);
    expect(events.length).toBeGreaterThan(0);
    expect(everyText(events)).not.toContain(API_KEY);
  });

  it('is absent from config errors, even when the key itself is malformed', () => {
    const badKey = `${API_KEY}\n`;
    try {
      createEndpoint({ apiKey: badKey, endpointId: 'ep1', env: {} });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(everyText(error)).not.toContain(API_KEY);
    }
    try {
      createEndpoint({ apiKey: API_KEY, endpointId: 'ep1', baseUrl: `http://${API_KEY}@evil.example/v2`, env: {} });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(everyText(error)).not.toContain(API_KEY);
    }
  });
});
