/**
 * Webhook-driven completion: a receiver of RunPod's webhook calls that `submit` and `runSync`
 * complete from, instead of polling. Node only (it is a `node:http` request handler).
 * @packageDocumentation
 */
export { createWebhookReceiver } from './receiver.js';
export type { WebhookReceiver, WebhookReceiverConfig } from './receiver.js';
