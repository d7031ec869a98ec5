// runpod-rx, from the compiled package in dist/ (built by `npm run bench`).
import { createRequire } from 'node:module';
import { runClient, TERMINAL } from './harness.mjs';

const require = createRequire(import.meta.url);
const { createEndpoint, createFetchTransport } = require('../../dist/cjs/src/index.js');
const { createRequestBudget, fanOut, RUNPOD_RATE_LIMITS } = require('../../dist/cjs/operators/index.js');
const { from, lastValueFrom, mergeMap, tap, catchError, EMPTY } = require('rxjs');

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
  /** watch every id at once until terminal. */
  watch: (endpoint, task, record) =>
    from(task.ids).pipe(
      mergeMap((id) =>
        endpoint.watch(id).pipe(
          tap((state) => TERMINAL.has(state.status) && record.done(state.id, state.status)),
          catchError((error) => (record.error(error), EMPTY)),
        ),
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
  const transport = createFetchTransport();
  const endpoint = createEndpoint({
    apiKey: task.apiKey,
    endpointId: task.endpointId,
    baseUrl: task.baseUrl,
    env: {},
    transport: budget ? budget.wrap(transport) : transport,
    ...task.endpointConfig,
  });
  await lastValueFrom(WORKLOADS[task.workload](endpoint, task, record, budget), { defaultValue: undefined });
});
