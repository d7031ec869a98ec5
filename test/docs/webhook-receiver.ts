import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { isLeft } from 'fp-ts/Either';
import { JobStateCodec, type JobState } from 'runpod-rx';

/** Larger bodies are refused: a status body is small unless your output is inline and huge. */
const MAX_BODY_BYTES = 20 * 1024 * 1024;

/**
 * An HTTP handler for RunPod's webhook POSTs at `/runpod-webhook/<token>`. RunPod does not sign
 * webhooks, so the secret `token` in the URL is what tells RunPod's POSTs from anyone else's.
 * Each terminal status body is decoded with `JobStateCodec` and handed to `onJob`.
 */
export function createWebhookReceiver(token: string, onJob: (job: JobState) => void): Server {
  const expected = Buffer.from(`/runpod-webhook/${token}`);
  return createServer((req, res) => {
    const path = Buffer.from((req.url ?? '').split('?')[0]);
    if (req.method !== 'POST' || path.length !== expected.length || !timingSafeEqual(path, expected)) {
      res.writeHead(404).end(); // a wrong token learns nothing, not even that the path exists
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      const job = JobStateCodec.decode(body);
      if (isLeft(job)) {
        res.writeHead(400).end();
        return;
      }
      // Answer 200 at once: anything else (or no answer) and RunPod tries twice more, 10 s apart.
      res.writeHead(200).end();
      onJob(job.right); // may arrive twice if a 200 got lost: key your work on job.id
    });
  });
}
