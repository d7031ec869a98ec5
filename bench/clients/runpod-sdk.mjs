// The official JS client, runpod-sdk 1.1.2, used as its README shows. It prints to the console
// during runSync; the harness writes results to a file, so that noise does not matter.
import runpodSdk from 'runpod-sdk';
import { pool, runClient, sleep, TERMINAL } from './harness.mjs';

const WORKLOADS = {
  runAndWait: (endpoint, task, record) =>
    pool(task.inputs, task.concurrency, async (input) => {
      try {
        const job = await endpoint.runSync({ input }, 90_000);
        if (TERMINAL.has(job.status)) record.done(job.id, job.status);
        else record.error(`runSync returned ${job.status}`);
      } catch (error) {
        record.error(error);
      }
    }),
  stream: (endpoint, task, record) =>
    pool(task.inputs, task.concurrency, async (input) => {
      try {
        const { id } = await endpoint.run({ input });
        for await (const chunk of endpoint.stream(id)) record.chunk(chunk.output.t);
        record.done(id, 'COMPLETED');
      } catch (error) {
        record.error(error);
      }
    }),
  // The SDK has no watch: its runSync follows a job with back-to-back status-sync long-polls, all
  // jobs at once. With `task.watchPool` (runpod-sdk-pool), what a user writes with the SDK to keep
  // every job within RunPod's status limits (400 requests at once): the same long-polls from a pool
  // of that many lanes, and a 429 waited out (1 s) and retried instead of ending the job's following.
  watch: (endpoint, task, record) => {
    const waitsOut429 = task.watchPool !== undefined;
    const follow = async (id) => {
      try {
        for (;;) {
          const state = await endpoint.statusSync(id, 90_000).catch(async (error) => {
            if (!waitsOut429 || error?.response?.status !== 429) throw error;
            await sleep(1000);
            return undefined;
          });
          if (state !== undefined && TERMINAL.has(state.status)) return record.done(id, state.status);
        }
      } catch (error) {
        record.error(error);
      }
    };
    return waitsOut429 ? pool(task.ids, task.watchPool, follow) : Promise.all(task.ids.map(follow));
  },
  // No rate-limit handling: what a user writes with the SDK is a plain concurrency pool.
  fanOut: (endpoint, task, record) => WORKLOADS.runAndWait(endpoint, task, record),
};

runClient(async (task, record) => {
  const endpoint = runpodSdk(task.apiKey, { baseUrl: task.baseUrl }).endpoint(task.endpointId);
  const log = console.log;
  console.log = () => undefined; // runSync prints "<id>: <status>" on every poll
  try {
    await WORKLOADS[task.workload](endpoint, task, record);
  } finally {
    console.log = log;
  }
});
