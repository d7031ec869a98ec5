// runpod-rx, from the compiled package in dist/ (built by `npm run bench`).
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { runClient, TERMINAL } from './harness.mjs';

const require = createRequire(import.meta.url);
const { createEndpoint, createFetchTransport } = require('../../dist/cjs/src/index.js');
const { createNodeHttpTransport } = require('../../dist/cjs/src/node/index.js');
const { createWebhookReceiver } = require('../../dist/cjs/src/webhooks/index.js');
const { mulberry32 } = require('../../dist/cjs/src/emulator/prng.js');
const { createRequestBudget, fanOut, RUNPOD_RATE_LIMITS } = require('../../dist/cjs/operators/index.js');
const { from, lastValueFrom, mergeMap, tap, catchError, EMPTY, Observable } = require('rxjs');

/**
 * A loopback server for the webhook receiver that drops `dropRate` of the calls (seeded): it reads
 * the call, then destroys the socket without an answer, as a lost packet or a restarting proxy would.
 */
async function flakyWebhookServer(task, record) {
  const random = mulberry32(task.seed);
  const droppedJobIds = [];
  let receiver;
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      // The body is read already: the receiver takes it parsed, as behind express.json().
      request.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (random() < task.dropRate) {
        droppedJobIds.push(request.body.id);
        record.extra('webhookCallsDropped', droppedJobIds.length);
        record.extra('droppedJobIds', droppedJobIds);
        request.socket.destroy();
        return;
      }
      receiver.handle(request, response);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver = createWebhookReceiver({ publicUrl: `http://127.0.0.1:${server.address().port}/hooks` });
  return {
    receiver,
    close: () => {
      receiver.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

const WORKLOADS = {
  /** runSync: one request for jobs shorter than the wait. */
  runAndWait: (endpoint, task, record) =>
    from(task.inputs).pipe(
      mergeMap(
        (input) =>
          endpoint.runSync({ input }).pipe(
            tap((job) => record.done(job.id, job.status)),
            catchError((error) => (record.error(error), EMPTY)),
          ),
        task.concurrency,
      ),
    ),
  /** run, then stream every chunk. */
  stream: (endpoint, task, record) =>
    from(task.inputs).pipe(
      mergeMap(
        (input) =>
          endpoint.run({ input }).pipe(
            mergeMap(({ id }) =>
              endpoint
                .stream(id)
                .pipe(
                  tap({ next: (chunk) => record.chunk(chunk.output.t), complete: () => record.done(id, 'COMPLETED') }),
                ),
            ),
            catchError((error) => (record.error(error), EMPTY)),
          ),
        task.concurrency,
      ),
    ),
  /**
   * watch every id at once until terminal: one subscription per job, all with one observer, as a
   * program following many jobs would hold them. Not `mergeMap` + `tap` + `catchError` per job:
   * those operators' own subscribers cost about 2.4 KB per job (docs/performance.md), more than
   * the watch itself. Runs to the end (the harness never unsubscribes).
   */
  watch: (endpoint, task, record) =>
    new Observable((subscriber) => {
      let left = task.ids.length;
      const ended = () => --left === 0 && subscriber.complete();
      const observer = {
        next: (state) => TERMINAL.has(state.status) && record.done(state.id, state.status),
        error: (error) => {
          record.error(error);
          ended();
        },
        complete: ended,
      };
      if (left === 0) subscriber.complete();
      for (const id of task.ids) endpoint.watch(id).subscribe(observer);
    }),
  /** submit with the endpoint's webhook receiver: completed by the call (a slow /status sweep covers calls RunPod gave up on). */
  webhook: (endpoint, task, record) =>
    from(task.inputs).pipe(
      mergeMap(
        (input) =>
          endpoint.submit({ input }).pipe(
            tap((state) => TERMINAL.has(state.status) && record.done(state.id, state.status)),
            catchError((error) => (record.error(error), EMPTY)),
          ),
        task.concurrency,
      ),
    ),
  /** fan-out under the rate limits: a concurrency cap and one request budget charged by every request. */
  fanOut: (endpoint, task, record, budget) =>
    from(task.inputs).pipe(
      fanOut(
        (input) =>
          endpoint.runSync({ input }).pipe(
            tap((job) => record.done(job.id, job.status)),
            catchError((error) => (record.error(error), EMPTY)),
          ),
        { concurrency: task.concurrency, budget, route: null },
      ),
    ),
};

runClient(async (task, record) => {
  // RunPod's limits, scaled like the emulator's; every request (retries and long-polls too) is charged.
  const budget = task.budget
    ? createRequestBudget({
        window: task.budget.windowMs,
        // At least 100 ms for requests in transit: quick mode's 1 s window makes the default 20 ms.
        margin: Math.max(100, task.budget.windowMs * 0.02),
        limits: Object.fromEntries(
          Object.entries(RUNPOD_RATE_LIMITS).map(([b, n]) => [
            b,
            Number.isFinite(n) ? Math.max(1, Math.floor(n * task.budget.scale)) : n,
          ]),
        ),
      })
    : undefined;
  const transport = task.transport === 'node' ? createNodeHttpTransport() : createFetchTransport();
  const hooks = task.workload === 'webhook' ? await flakyWebhookServer(task, record) : undefined;
  const endpoint = createEndpoint({
    apiKey: task.apiKey,
    endpointId: task.endpointId,
    baseUrl: task.baseUrl,
    env: {},
    transport: budget ? budget.wrap(transport) : transport,
    ...(hooks && { webhooks: hooks.receiver, webhookSweepInterval: task.sweepAfterMs }),
    ...task.endpointConfig,
  });
  try {
    await lastValueFrom(WORKLOADS[task.workload](endpoint, task, record, budget), { defaultValue: undefined });
  } finally {
    hooks?.close();
  }
});
