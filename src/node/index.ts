/**
 * Node-only additions to runpod-rx: a transport over `node:http`/`node:https`. Kept out of the
 * root entry point, which stays free of Node built-ins so that it bundles for browsers.
 * @packageDocumentation
 */
export { createNodeHttpTransport } from '../transport/node-http-transport.js';
export type { NodeHttpTransportConfig } from '../transport/node-http-transport.js';
