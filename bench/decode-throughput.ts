import type { JobStateCodec as Codec } from '../src/codecs/job-state';
import { NO_FIGURES } from './no-figures';
import type { ClientResult } from './run';

const BODY = JSON.stringify({
  id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890-u1',
  status: 'COMPLETED',
  delayTime: 824,
  executionTime: 3391,
  workerId: 'w-7d3f2a',
  output: { text: 'The quick brown fox jumps over the lazy dog.', tokens: 11, finish_reason: 'stop' },
});

function opsPerSecond(iterations: number, decode: (text: string) => unknown): number {
  for (let i = 0; i < 10_000; i++) decode(BODY); // warm up
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) decode(BODY);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return Math.round(iterations / seconds);
}

/**
 * Scenario (e): status bodies decoded per second. runpod-rx parses and validates with its io-ts
 * codec; runpod-sdk (xior) and the poller only JSON.parse, validating nothing.
 */
export function decodeThroughput(codec: typeof Codec, quick: boolean): Record<string, ClientResult> {
  const iterations = quick ? 100_000 : 500_000;
  const parseOnly = opsPerSecond(iterations, (text) => JSON.parse(text));
  return {
    'runpod-rx': { ...NO_FIGURES, opsPerSec: opsPerSecond(iterations, (text) => codec.decode(JSON.parse(text))) },
    'runpod-sdk': { ...NO_FIGURES, opsPerSec: parseOnly, validates: 'no' },
    'poller-1s': { ...NO_FIGURES, opsPerSec: parseOnly, validates: 'no' },
  };
}
