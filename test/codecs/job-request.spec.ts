/**
 * The request body (src/codecs/job-request.ts): webhookV2 and every key the library does not know,
 * at the top level and in `policy`, reach RunPod unchanged; the known fields keep their checks.
 */
import { InvalidInputError, PayloadTooLargeError, type JobRequest } from 'runpod-rx';
import { encodeJobRequest } from '../../src/codecs/job-request';

const LIMIT = 10_000_000;
const asIs = (input: unknown) => input;
const encode = (request: unknown, encodeInput = asIs, limit = LIMIT) =>
  encodeJobRequest(request as JobRequest, encodeInput, limit);

/** The InvalidInputError message `request` is refused with, or 'accepted'. */
function refusal(request: unknown): string {
  try {
    encode(request);
    return 'accepted';
  } catch (error) {
    if (error instanceof InvalidInputError) return error.message;
    throw error;
  }
}

describe('encodeJobRequest: fields pass through', () => {
  it('sends webhookV2 as given, next to webhook, as both official SDKs do', () => {
    const request = { input: { prompt: 'hi' }, webhook: 'https://a.test/v1', webhookV2: 'https://a.test/v2' };
    expect(JSON.parse(encode(request))).toEqual(request);
  });

  it('sends unknown top-level and policy keys unchanged, in the order given', () => {
    const request = {
      futureFlag: true,
      input: { prompt: 'hi' },
      policy: { ttl: 60_000, maxRetries: 2, region: { prefer: ['eu', 'us'] }, lowPriority: false, note: null },
      routing: { sticky: 'session-1' },
      webhookV2: 'https://a.test/v2',
      s3Config: { accessId: 'a', accessSecret: 's', bucketName: 'b', endpointUrl: 'https://s3.test', sse: 'AES256' },
      tags: ['x', 1, null],
    };
    expect(encode(request)).toBe(JSON.stringify(request));
  });

  it('replaces only the input by its encoding and leaves the caller’s object untouched', () => {
    const request = { input: { n: 2 }, policy: { executionTimeout: 5_000, extra: 'kept' }, extra: { deep: [1] } };
    const before = structuredClone(request);
    const body = JSON.parse(encode(request, (input) => ({ doubled: (input as { n: number }).n * 2 })));
    expect(body).toEqual({
      input: { doubled: 4 },
      policy: { executionTimeout: 5_000, extra: 'kept' },
      extra: { deep: [1] },
    });
    expect(request).toEqual(before);
  });

  it('leaves out unknown keys set to undefined, as JSON does', () => {
    expect(encode({ input: 1, later: undefined, policy: { later: undefined } })).toBe('{"input":1,"policy":{}}');
  });

  it('types webhookV2; a request built elsewhere carries its extra keys through the JobRequest type', () => {
    const typed: JobRequest<{ prompt: string }> = { input: { prompt: 'hi' }, webhookV2: 'https://a.test/v2' };
    const built = { input: { prompt: 'hi' }, newField: 1, policy: { ttl: 20_000, newPolicy: 'x' } };
    const request: JobRequest<{ prompt: string }> = built; // no cast: only literals are checked for excess keys
    expect(JSON.parse(encode(typed))).toEqual(typed);
    expect(JSON.parse(encode(request))).toEqual(built);
  });
});

describe('encodeJobRequest: known fields keep their checks', () => {
  it.each([
    ['a number webhookV2', { input: 1, webhookV2: 42 }, 'webhookV2 must be a URL string'],
    ['an object webhookV2', { input: 1, webhookV2: { url: 'https://a.test' } }, 'webhookV2 must be a URL string'],
    ['a number webhook', { input: 1, webhook: 42 }, 'webhook must be a URL string'],
    [
      'a bad ttl next to unknown policy keys',
      { input: 1, policy: { ttl: 1, region: 'eu' } },
      'policy.ttl must be a whole number of ms from 10000 to 604800000',
    ],
    [
      'a string lowPriority',
      { input: 1, policy: { lowPriority: 'yes', other: 1 } },
      'policy.lowPriority must be a boolean',
    ],
    ['a policy array', { input: 1, policy: [5_000] }, 'policy must be an object'],
    [
      'an s3Config without its strings',
      { input: 1, s3Config: { accessId: 1, extra: 'x' } },
      's3Config.accessId must be a string',
    ],
    [
      'no input, only unknown keys',
      { prompt: 'hi', webhookV2: 'https://a.test' },
      'a job request needs an `input` field',
    ],
  ])('refuses %s', (_, request, message) => {
    expect(refusal(request)).toBe(message);
  });

  it('refuses an unknown key JSON cannot carry, naming it', () => {
    expect(refusal({ input: 1, later: () => 1 })).toBe(
      'the job request at key "later" is a function, which JSON cannot carry',
    );
    expect(refusal({ input: 1, policy: { later: 10n } })).toMatch(/^the job request at key "later" is a BigInt/);
  });

  it('counts unknown keys toward the payload limit', () => {
    const request = { input: 'x', padding: 'y'.repeat(200) };
    expect(() => encode(request, asIs, 150)).toThrow(PayloadTooLargeError);
    expect(JSON.parse(encode(request, asIs, 250))).toEqual(request);
  });
});
