/**
 * runpod-rx in the browser: submit a job, watch its status change and its chunks arrive, cancel it
 * by unsubscribing. Bundled for the browser by scripts/browser-bundle.ts (`npm run demo:web`
 * builds it, starts an emulator and serves the page).
 *
 * The page reads `?baseUrl=…&key=…&endpoint=…`; the emulator answers CORS preflights, so the page
 * and the API may live on different origins.
 */
import {
  createEndpoint,
  isRunpodError,
  isTerminal,
  type Endpoint,
  type JobState,
  type RunpodEvent,
  type StreamChunk,
} from 'runpod-rx';
import { retryOnThrottle } from 'runpod-rx/operators';
import {
  defaultIfEmpty,
  filter,
  forkJoin,
  ignoreElements,
  last,
  map,
  merge,
  share,
  switchMap,
  take,
  type Observable,
  type Subscription,
} from 'rxjs';

/** What the page shows: a changed job state, or one streamed chunk. */
export type JobUpdate =
  { readonly kind: 'state'; readonly state: JobState } | { readonly kind: 'chunk'; readonly chunk: StreamChunk };

/**
 * Submits a job and follows it: every changed state, and every chunk as the worker yields it.
 * `submit` owns the job, so unsubscribing before the end (or the deadline passing) sends
 * POST /cancel. `stream` only reads, and starts once the id is known. The terminal state is
 * shown once the last chunk has been, since the two arrive on separate requests.
 */
export function followJob(endpoint: Endpoint, input: unknown, deadlineMs?: number): Observable<JobUpdate> {
  const states$ = endpoint.submit({ input }, deadlineMs === undefined ? {} : { timeout: deadlineMs }).pipe(share());
  const chunks$ = states$.pipe(
    take(1),
    switchMap((first) => endpoint.stream(first.id)),
    share(),
  );
  const toState = (state: JobState): JobUpdate => ({ kind: 'state', state });
  return merge(
    states$.pipe(
      filter((state) => !isTerminal(state)),
      map(toState),
    ),
    chunks$.pipe(map((chunk): JobUpdate => ({ kind: 'chunk', chunk }))),
    forkJoin([states$.pipe(last()), chunks$.pipe(ignoreElements(), defaultIfEmpty(undefined))]).pipe(
      map(([state]) => toState(state)),
    ),
  );
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

function item(list: HTMLElement, text: string): void {
  const li = document.createElement('li');
  li.textContent = text;
  list.append(li);
}

function describeEvent(event: RunpodEvent): string {
  switch (event.type) {
    case 'request':
      return `→ ${event.method} ${event.path}${event.attempt > 0 ? ` (retry ${event.attempt})` : ''}`;
    case 'response':
      return `← ${event.status} ${event.method} ${event.path} in ${Math.round(event.elapsedMs)} ms`;
    case 'retry':
      return `↻ ${event.path} again in ${Math.round(event.delayMs)} ms: ${event.reason}`;
    case 'job-created':
      return `+ job ${event.jobId} created (${event.route})`;
    case 'cancel-on-abandon':
      return `✕ job ${event.jobId} abandoned: cancelling it`;
    case 'stream-chunks-dropped':
      return `⚠ ${event.chunks} held chunks of job ${event.jobId} dropped (${event.reason})`;
    case 'cancel-failed':
      return `! cancel of job ${event.jobId} gave up: ${event.reason}`;
  }
}

function start(): void {
  const params = new URLSearchParams(location.search);
  const baseUrl = params.get('baseUrl') ?? 'http://127.0.0.1:8787/v2';
  const apiKey = params.get('key') ?? '';
  const endpointId = params.get('endpoint') ?? 'demo';

  const form = element<HTMLFormElement>('job-form');
  const inputField = element<HTMLTextAreaElement>('input');
  const deadlineField = element<HTMLInputElement>('deadline');
  const submitButton = element<HTMLButtonElement>('submit');
  const cancelButton = element<HTMLButtonElement>('cancel');
  const jobId = element('job-id');
  const status = element('status');
  const phase = element('phase');
  const errorBox = element('error');
  const transitions = element('transitions');
  const chunks = element('chunks');
  const log = element('log');
  element('target').textContent = `${baseUrl}/${endpointId}`;

  const logLine = (text: string) => {
    log.textContent += `${text}\n`;
    log.scrollTop = log.scrollHeight;
  };
  const showError = (error: unknown) => {
    errorBox.textContent =
      isRunpodError(error) || error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  };
  const setPhase = (text: string, running: boolean) => {
    phase.textContent = text;
    document.body.dataset.phase = text;
    submitButton.disabled = running;
    cancelButton.disabled = !running;
  };

  let endpoint: Endpoint;
  try {
    endpoint = createEndpoint({
      baseUrl,
      apiKey,
      endpointId,
      // The browser's own fetch: aborts on unsubscribe, no polyfill involved.
      fetch: globalThis.fetch.bind(globalThis),
      onEvent: (event) => logLine(describeEvent(event)),
    });
  } catch (error) {
    showError(error); // a ConfigError: no key in the address, a malformed base URL, …
    setPhase('not configured', false);
    submitButton.disabled = true;
    return;
  }

  // One read at load time, retried if the endpoint is throttling us.
  endpoint
    .health()
    .pipe(retryOnThrottle({ count: 5 }))
    .subscribe({
      next: (health) => logLine(`health: ${health.workers.idle} idle, ${health.workers.running} running`),
      error: showError,
    });

  let current: Subscription | undefined;

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let input: unknown;
    try {
      input = JSON.parse(inputField.value);
    } catch (error) {
      showError(error);
      return;
    }
    const deadline = deadlineField.value.trim() === '' ? undefined : Number(deadlineField.value);
    current?.unsubscribe();
    for (const list of [transitions, chunks]) list.replaceChildren();
    errorBox.textContent = '';
    jobId.textContent = '–';
    status.textContent = 'submitting';
    setPhase('running', true);

    current = followJob(endpoint, input, deadline).subscribe({
      next: (update) => {
        if (update.kind === 'chunk') {
          item(
            chunks,
            typeof update.chunk.output === 'string' ? update.chunk.output : JSON.stringify(update.chunk.output),
          );
          return;
        }
        jobId.textContent = update.state.id;
        status.textContent = update.state.status;
        item(transitions, update.state.status);
      },
      error: (error: unknown) => {
        showError(error);
        setPhase('failed', false);
      },
      complete: () => setPhase('done', false),
    });
  });

  cancelButton.addEventListener('click', () => {
    // Unsubscribing is the whole cancellation API: in-flight requests are aborted, timers stop,
    // and because submit owns the job, the client sends POST /cancel for it.
    current?.unsubscribe();
    current = undefined;
    setPhase('cancelled', false);
  });

  setPhase('ready', false);
}

start();
