import * as t from 'io-ts';
import { InvalidInputError } from '../errors.js';

/** Longest job id accepted, from a caller or from a server. */
const MAX_ID_LENGTH = 512;

/**
 * Why `id` cannot be a job id, or `undefined` when it can. A job id is spliced into request paths
 * (`/status/{id}`), so anything that could leave its path segment is refused: "/", "\\", "..",
 * "?", "#", "%", white space and control characters.
 */
export function jobIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    return `a job id must be a non-empty string of at most ${MAX_ID_LENGTH} characters`;
  }
  if (/[/\\?#%\s\u0000-\u001f\u007f]/.test(id) || id.includes('..') || id === '.') {
    return 'a job id must not be "." nor contain "/", "\\", "..", "?", "#", "%" or white space';
  }
  return undefined;
}

/** A caller's job id, returned as is; a malformed one throws {@link InvalidInputError}. */
export function checkJobId(id: unknown): string {
  const problem = jobIdProblem(id);
  if (problem !== undefined) throw new InvalidInputError(problem);
  return id as string;
}

/**
 * `codec`, plus a check of the `id` a server's answer carries: it must pass the same test as a
 * caller's id ({@link jobIdProblem}) and, when `expected` is given, be that id (the job asked about,
 * or the one the creating answer named). A mismatch fails decoding, so `send` reports it as a
 * `DecodeError` with the request, and the id is never followed, cancelled or handed out.
 * With `optional`, an answer without `id` passes (the `/stream` body may omit it).
 */
export function withJobId<A extends { readonly id?: string }>(
  codec: t.Decoder<unknown, A>,
  expected?: string,
  optional = false,
): t.Decoder<unknown, A> {
  const decoder: t.Decoder<unknown, A> = {
    name: codec.name,
    validate: (input, context) => {
      const result = codec.validate(input, context);
      if (result._tag === 'Left') return result;
      const { id } = result.right;
      if (optional && id === undefined) return result;
      const problem =
        jobIdProblem(id) ??
        (expected !== undefined && id !== expected ? `an answer about job ${expected} names another job` : undefined);
      if (problem === undefined) return result;
      return {
        _tag: 'Left',
        left: [{ value: id, context: [...context, { key: 'id', type: t.string, actual: id }], message: problem }],
      };
    },
    decode: (input) => decoder.validate(input, [{ key: '', type: decoder, actual: input }]),
  };
  return decoder;
}
