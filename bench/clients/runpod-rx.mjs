// runpod-rx, from the compiled package in dist/ (built by `npm run bench`).
import { createRequire } from 'node:module';
import { runClient } from './harness.mjs';

const require = createRequire(import.meta.url);
const { createEndpoint } = require('../../dist/cjs/src/index.js');
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
          tap((state) => record.done(state.id, state.status)),
          catchError((error) => (record.error(error), EMPTY)),
        ),
      ),
    ),
  /** fan-out under the rate limits: concurrency cap plus the /runsync request budget. */
  fanOut: async (endpoint, task, record, operators) => {
    const budget = operators.createRequestBudget({
      window: task.budget.windowMs,
      limits: { runsync: task.budget.runsync },
    });
    return from(task.inputs).pipe(
      operators.fanOut(
        (input) =>
          endpoint.runSync({ input }).pipe(
            tap((job) => record.done(job.id, job.status)),
            catchError((error) => (record.error(error), EMPTY)),
          ),
        { concurrency: task.concurrency, budget, route: 'runsync' },
      ),
    );
  },
};

runClient(async (task, record) => {
  const endpoint = createEndpoint({ apiKey: task.apiKey, endpointId: task.endpointId, baseUrl: task.baseUrl, env: {} });
  const operators = task.workload === 'fanOut' ? require('../../dist/cjs/operators/index.js') : undefined;
  const work = await WORKLOADS[task.workload](endpoint, task, record, operators);
  await lastValueFrom(work, { defaultValue: undefined });
});
