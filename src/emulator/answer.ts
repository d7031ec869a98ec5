/**
 * What a route of the simulated RunPod returns, the way msw's handlers return responses: an
 * {@link Answer} to send now, or a {@link HeldAnswer} (a long-poll) that delivers one later. No
 * transport is involved: the HTTP pipeline writes answers to a `ServerResponse`, the test kit's
 * fake endpoint turns them into `HttpResponse`s in virtual time.
 */

/** An answer: status code, extra headers and a JSON body. */
export interface Answer {
  /** HTTP status code. */
  readonly status: number;
  /** Headers besides `Content-Type` and `Content-Length` (e.g. `Retry-After`, `Allow`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The JSON body (encoded by whoever writes the answer). */
  readonly body: unknown;
}

/**
 * An answer decided later (a long-poll held until its job changes or its wait runs out).
 * `held(deliver)` starts the hold and returns `cancel`; `deliver` is called once, from a timer
 * or a job change of the simulator's clock (never inside `held` itself), unless `cancel` was
 * called first. A cancelled hold leaves nothing behind: no listener, no timer.
 */
export interface HeldAnswer {
  /** Starts holding; returns the function that forgets the hold (the client went away). */
  readonly held: (deliver: (answer: Answer) => void) => () => void;
}

/** What a route returns: an answer now, or one held. */
export type RouteReply = Answer | HeldAnswer;

/** True when `reply` is held (a long-poll). */
export function isHeld(reply: RouteReply): reply is HeldAnswer {
  return 'held' in reply;
}

/**
 * The answer `{"error": message}` with `status`. GUESS: the cloud's error bodies are
 * undocumented; `{"error": "..."}` is what Runpod's own TS tools parse.
 */
export function errorAnswer(status: number, message: string, headers?: Readonly<Record<string, string>>): Answer {
  return headers === undefined ? { status, body: { error: message } } : { status, headers, body: { error: message } };
}

/** A 200 answer with `body`. */
export function okAnswer(body: unknown): Answer {
  return { status: 200, body };
}
