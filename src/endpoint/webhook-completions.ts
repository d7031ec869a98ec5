import type { Observable } from 'rxjs';
import type { JobState } from '../codecs/job-state.js';

/**
 * What `submit` and `runSync` need from a webhook receiver (`createWebhookReceiver` of
 * `runpod-rx/webhooks` makes one): the URL to give RunPod as the job's `webhook`, and the terminal
 * state of a job once RunPod has called it.
 * @category webhooks
 */
export interface WebhookCompletions {
  /** The `webhook` URL sent with each job that does not set its own. */
  readonly url: string;
  /** Emits the terminal state of `jobId` once its call arrives, then completes. */
  completion(jobId: string): Observable<JobState>;
}
