import { JobFailedError, jobEndedError, isJobFailedError, type JobState } from '../src/index.js';

const report = {
  error_type: "<class 'ValueError'>",
  error_message: 'bad prompt',
  error_traceback: 'Traceback (most recent call last):\n  File "handler.py", line 3\nValueError: bad prompt\n',
  hostname: 'abc123-64410f1b',
  worker_id: 'abc123',
  runpod_version: '1.7.9',
};

describe('JobFailedError details', () => {
  it('reads the worker SDK JSON report into details and shows its message, keeping job.error as received', () => {
    const job: JobState = { id: 'j1-e1', status: 'FAILED', error: JSON.stringify(report) };
    const error = jobEndedError(job);
    expect(isJobFailedError(error)).toBe(true);
    expect(error).toBeInstanceOf(JobFailedError);
    const failed = error as JobFailedError;
    expect(failed.details).toEqual({
      type: "<class 'ValueError'>",
      message: 'bad prompt',
      traceback: report.error_traceback,
      hostname: 'abc123-64410f1b',
      workerId: 'abc123',
      runpodVersion: '1.7.9',
    });
    expect(failed.job.error).toBe(JSON.stringify(report));
    expect(failed.message).toBe('job j1-e1 ended FAILED: bad prompt');
  });

  it('keeps only the fields the report has', () => {
    const error = new JobFailedError({
      id: 'j1',
      status: 'FAILED',
      error: JSON.stringify({ error_type: 'E', error_message: 'm', worker_id: 7 }),
    });
    expect(error.details).toEqual({ type: 'E', message: 'm' });
  });

  it.each([
    ['a plain message', 'CUDA out of memory'],
    ['JSON without error_type', JSON.stringify({ error_message: 'x' })],
    ['JSON whose error_message is not a string', JSON.stringify({ error_type: 'E', error_message: 1 })],
    ['a JSON array', '[{"error_type":"E","error_message":"m"}]'],
    ['broken JSON', '{"error_type":"E",'],
    ["the generator path's text", 'handler: boom \ntraceback: Traceback…'],
  ])('has no details for %s, and shows the text as received', (_what, text) => {
    const error = new JobFailedError({ id: 'j1', status: 'FAILED', error: text });
    expect(error.details).toBeUndefined();
    expect(error).not.toHaveProperty('details');
    expect(error.message).toBe(`job j1 ended FAILED: ${text}`);
  });

  it('a report with an empty message shows the text as received', () => {
    const text = JSON.stringify({ error_type: 'E', error_message: '' });
    const error = new JobFailedError({ id: 'j1', status: 'FAILED', error: text });
    expect(error.details).toEqual({ type: 'E', message: '' });
    expect(error.message).toBe(`job j1 ended FAILED: ${text}`);
  });

  it('a FAILED state without error has no details', () => {
    const error = new JobFailedError({ id: 'j1', status: 'FAILED' });
    expect(error.details).toBeUndefined();
    expect(error.message).toBe('job j1 ended FAILED');
  });
});
