/**
 * The resume pattern of docs/streaming.md, against the emulator over loopback HTTP: 300 streaming
 * jobs of 15 chunks each, every `stream(id)` subscription left at a random (seeded) moment (after
 * 1–3 chunks, possibly in the middle of one answer, or after 0–25 ms, usually while a read is in
 * flight) and subscribed again at once, until the stream completes. The server drains what it
 * answers, so a chunk is lost unless the client holds what it drained: the figure is 0 lost and 0
 * duplicated of 4,500. Set RELIABILITY_FIGURES=1 to print the figures.
 */
import { lastValueFrom, Observable, take, takeUntil, tap, timer } from 'rxjs';
import { createEndpoint, type Endpoint, type RunpodEvent } from 'runpod-rx';
import { startEmulator, type Emulator } from 'runpod-rx/emulator';

const JOBS = 300;
const CHUNKS = 15;
const SEED = 20_261_202;

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('stream(id) left and subscribed again at once, over loopback HTTP', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({
      // The RunPod limits are not the subject here: ~10,000 reads in a few seconds would pass them.
      rateLimits: false,
      endpoints: {
        tokens: {
          workers: JOBS,
          handler: async function* (job, { sleep }) {
            const { delays } = job.input as { delays: number[] };
            for (let n = 0; n < CHUNKS; n++) {
              await sleep(delays[n]);
              yield { n };
            }
          },
        },
      },
    });
  });
  afterAll(() => emulator.close());

  it(`${JOBS} streams × ${CHUNKS} chunks, each subscription left at a random moment: 0 lost, 0 duplicated`, async () => {
    const random = seeded(SEED);
    const events: RunpodEvent[] = [];
    const endpoint: Endpoint<unknown, unknown, { n: number }> = createEndpoint({
      apiKey: 'k',
      endpointId: 'tokens',
      baseUrl: emulator.baseUrl,
      env: {},
      streamWait: 1_000,
      onEvent: (event) => event.type !== 'request' && event.type !== 'response' && events.push(event),
    });
    const ids = await Promise.all(
      Array.from({ length: JOBS }, async () => {
        const delays = Array.from({ length: CHUNKS }, () => Math.floor(random() * 12));
        return (await lastValueFrom(endpoint.run({ input: { delays } }))).id;
      }),
    );

    let subscriptions = 0;
    let leftMidAnswer = 0;
    /** Follows one job to the end, leaving and resubscribing at random moments; resolves with every output. */
    const follow = (id: string) =>
      new Promise<number[]>((resolve, reject) => {
        const received: number[] = [];
        const subscribeAgain = () => {
          subscriptions++;
          let done = false;
          const byCount = random() < 0.5;
          const leave = <T>(source: Observable<T>) =>
            byCount
              ? source.pipe(take(1 + Math.floor(random() * 3)))
              : source.pipe(takeUntil(timer(Math.floor(random() * 26))));
          endpoint
            .stream(id)
            .pipe(
              tap({ complete: () => (done = true) }),
              leave,
              tap((chunk) => received.push(chunk.output.n)),
            )
            .subscribe({
              error: reject,
              complete: () => {
                if (done) resolve(received);
                else {
                  if (byCount) leftMidAnswer++;
                  subscribeAgain();
                }
              },
            });
        };
        subscribeAgain();
      });
    const outputs = await Promise.all(ids.map(follow));

    const expected = Array.from({ length: CHUNKS }, (_, n) => n);
    const delivered = outputs.reduce((total, list) => total + list.length, 0);
    const lost = outputs.reduce((total, list) => total + expected.filter((n) => !list.includes(n)).length, 0);
    const duplicated = outputs.reduce((total, list) => total + list.length - new Set(list).size, 0);
    if (process.env.RELIABILITY_FIGURES) {
      const stats = emulator.stats();
      console.log(
        JSON.stringify({
          jobs: JOBS,
          delivered,
          lost,
          duplicated,
          subscriptions,
          leftMidAnswer,
          streamReads: stats.requests.stream,
        }),
      );
    }
    expect({ delivered, lost, duplicated }).toEqual({ delivered: JOBS * CHUNKS, lost: 0, duplicated: 0 });
    expect(outputs.every((list) => list.join() === expected.join())).toBe(true);
    // Each job was left at least once before its end, and nothing the client held was dropped.
    expect(subscriptions).toBeGreaterThan(2 * JOBS);
    expect(events.filter((e) => e.type === 'stream-chunks-dropped')).toEqual([]);
  }, 180_000);
});
