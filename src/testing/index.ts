/**
 * runpod-rx/testing: marble-test your own RunPod pipelines in virtual time.
 * @packageDocumentation
 */
export { createFakeTransport } from './fake-transport.js';
export type { FakeHandler, FakeRequestState, FakeTransport, LoggedRequest, RequestMatcher } from './fake-transport.js';
export { json, text, throttled } from './responses.js';
