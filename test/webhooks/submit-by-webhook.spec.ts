import * as t from 'io-ts';
import { lastValueFrom, toArray } from 'rxjs';
import { createEndpoint, isDecodeError, type EndpointConfig, type RunpodEvent } from 'runpod-rx';
import { startEmulator, type Emulator } from 'runpod-rx/emulator';
import { eventually } from '../reliability/helpers';
import { webhookMounts } from '../helpers/webhook-mounts';

const KEY = 'webhook-follow-key';
const hooks = webhookMounts();
let emulator: Emulator;

beforeEach(async () => {
  emulator = await startEmulator({ apiKey: KEY });
});
afterEach(async () => {
  await emulator.close();
  await hooks.close();
});

/** A receiver on a loopback server; `drop` makes the server cut every call (a lost webhook). */
const receiver = async (drop = false) => (await hooks.mount({}, drop)).receiver;

function endpointWith(config: EndpointConfig = {}) {
  const events: RunpodEvent[] = [];
  const endpoint = createEndpoint({
    apiKey: KEY,
    endpointId: 'hooks',
    baseUrl: emulator.baseUrl,
    env: {},
    onEvent: (event) => events.push(event),
    ...config,
  });
  const requests = () => events.flatMap((e) => (e.type === 'request' ? [`${e.method} ${e.path.split('?')[0]}`] : []));
  return { endpoint, requests };
}

describe('submit and runSync completed by webhook', () => {
  it('submit: one request (the /run), then the state RunPod’s call brings', async () => {
    const webhooks = await receiver();
    const { endpoint, requests } = endpointWith({ webhooks });
    const states = await lastValueFrom(
      endpoint.submit({ input: { mock_return: 'by hook', mock_delay: 0.3 } }).pipe(toArray()),
    );
    expect(states.map((s) => s.status)).toEqual(['IN_QUEUE', 'COMPLETED']);
    expect(states[1]).toMatchObject({ output: 'by hook' });
    expect(requests()).toEqual(['POST /hooks/run']);
    await eventually(() => emulator.stats().webhooks.delivered === 1, 2_000, 'the call counted as delivered');
  });

  it('runSync of a job longer than its first wait: one request, completed by the call', async () => {
    const webhooks = await receiver();
    const { endpoint, requests } = endpointWith({ webhooks, runsyncWait: 1_000 });
    const states = await lastValueFrom(
      endpoint.runSync({ input: { mock_return: 'late', mock_delay: 2 } }).pipe(toArray()),
    );
    expect(states).toEqual([expect.objectContaining({ status: 'COMPLETED', output: 'late' })]);
    expect(requests()).toEqual(['POST /hooks/runsync']);
  }, 10_000);

  it('a lost call: the safety sweep of /status finds the terminal state', async () => {
    const webhooks = await receiver(true);
    const { endpoint, requests } = endpointWith({ webhooks, webhookSweepInterval: 500 });
    const states = await lastValueFrom(
      endpoint.submit({ input: { mock_return: 'swept', mock_delay: 0.2 } }).pipe(toArray()),
    );
    expect(states.at(-1)).toMatchObject({ status: 'COMPLETED', output: 'swept' });
    expect(requests()[0]).toBe('POST /hooks/run');
    expect(
      requests()
        .slice(1)
        .every((r) => r.startsWith('GET /hooks/status/')),
    ).toBe(true);
    expect(requests().length).toBeGreaterThan(1);
  });

  it('a request with its own webhook, or webhooks: false, is followed by long-polling', async () => {
    const webhooks = await receiver();
    const { endpoint, requests } = endpointWith({ webhooks });
    await lastValueFrom(endpoint.submit({ input: { mock_delay: 0.1 } }, { webhooks: false }));
    const elsewhere = await receiver();
    await lastValueFrom(endpoint.submit({ input: { mock_delay: 0.1 }, webhook: elsewhere.url }));
    expect(requests().filter((r) => r.startsWith('GET /hooks/status-sync/'))).toHaveLength(2);
  });

  it('the output codec checks the state a call brings; the ended job is not cancelled', async () => {
    const webhooks = await receiver();
    const { endpoint, requests } = endpointWith({ webhooks, codecs: { output: t.type({ caption: t.string }) } });
    const error = await lastValueFrom(endpoint.submit({ input: { mock_return: 42, mock_delay: 0.1 } })).catch(
      (e: unknown) => e,
    );
    expect(isDecodeError(error)).toBe(true);
    expect(requests()).toEqual(['POST /hooks/run']);
  });
});
