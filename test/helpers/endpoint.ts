import type { SchedulerLike } from 'rxjs';
import { createEndpoint, type EndpointConfig } from 'runpod-rx';
import { createFakeTransport, type FakeHandler } from 'runpod-rx/testing';

export const API_KEY = 'rpa_SECRET_TEST_KEY_4f9c2e';

/** An endpoint over a fake transport, with jitter fixed at 0.5 so backoff delays are exact. */
export function fakeEndpoint<I = unknown, O = unknown, C = unknown>(
  scheduler: SchedulerLike,
  handler: FakeHandler,
  config: EndpointConfig<I, O, C> = {},
) {
  const fake = createFakeTransport(handler, scheduler);
  const retry = config.retry === false ? false : { random: () => 0.5, baseDelay: 100, maxDelay: 1000, ...config.retry };
  const endpoint = createEndpoint<I, O, C>({
    apiKey: API_KEY,
    endpointId: 'ep1',
    scheduler,
    ...config,
    retry,
    transport: fake.transport,
  });
  return { fake, endpoint };
}
