import { TestScheduler } from 'rxjs/testing';
import { createEndpoint, type HttpRequest, type HttpResponse } from 'runpod-rx';
import { createFakeTransport, json, text, throttled } from 'runpod-rx/testing';
import { createTestScheduler } from '../helpers/test-scheduler';

const get = (path: string, route: HttpRequest['route'] = 'status'): HttpRequest => ({
  method: 'GET',
  url: `https://api.runpod.ai/v2${path}`,
  path,
  route,
  headers: {},
});
const post = (path: string, body: unknown, route: HttpRequest['route'] = 'run'): HttpRequest => ({
  method: 'POST',
  url: `https://api.runpod.ai/v2${path}`,
  path,
  route,
  headers: {},
  body: JSON.stringify(body),
});

describe('createFakeTransport', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = createTestScheduler();
  });

  it('answers with the scripted cold() marbles and logs each request in virtual time, lazily', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const answer = cold('--(r|)', { r: json({ id: 'j1', status: 'IN_QUEUE' }) });
      const fake = createFakeTransport(() => answer, rx);
      const request$ = fake.transport(post('/ep/run', { input: { n: 1 } }));
      expect(fake.requests).toHaveLength(0); // nothing sent before subscribe
      expectObservable(request$, '5ms ^').toBe('5ms --(r|)', { r: json({ id: 'j1', status: 'IN_QUEUE' }) });
      expectSubscriptions(answer.subscriptions).toBe('5ms ^-!');
      expectSubscriptions(fake.subscriptions()).toBe('5ms ^-!');
      flush();
      expect(fake.requests).toEqual([
        {
          at: 5,
          method: 'POST',
          path: '/ep/run',
          route: 'run',
          body: { input: { n: 1 } },
          index: 0,
          state: 'answered',
          endedAt: 7,
        },
      ]);
      fake.verify();
    });
  });

  it('passes each request and how many earlier ones had the same method and path (query aside)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const seen: string[] = [];
      const fake = createFakeTransport((req, n) => {
        seen.push(`${req.path} #${n}`);
        return cold('-(r|)', { r: json({ n }) });
      }, rx);
      expectObservable(fake.transport(get('/ep/status-sync/j1?wait=10'))).toBe('-(r|)', { r: json({ n: 0 }) });
      expectObservable(fake.transport(get('/ep/status-sync/j1?wait=20'))).toBe('-(r|)', { r: json({ n: 1 }) });
      expectObservable(fake.transport(get('/ep/status/j1'))).toBe('-(r|)', { r: json({ n: 0 }) });
      expectSubscriptions(fake.subscriptions('GET /ep/status-sync/j1')).toBe(['^!', '^!']);
      rx.schedule(() => {
        expect(seen).toEqual(['/ep/status-sync/j1?wait=10 #0', '/ep/status-sync/j1?wait=20 #1', '/ep/status/j1 #0']);
      }, 10);
    });
  });

  it('marks a request cancelled when the client unsubscribes first', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const answer = cold('1m (r|)', { r: json({}) });
      const fake = createFakeTransport(() => answer, rx);
      expectObservable(fake.transport(get('/ep/status/j1')), '^ 9ms !').toBe('');
      expectSubscriptions(answer.subscriptions).toBe('^ 9ms !');
      expectSubscriptions(fake.subscriptions('GET /ep/status/j1')).toBe('^ 9ms !');
      flush();
      expect(fake.requests[0].state).toBe('cancelled');
      expect(fake.requests[0].endedAt).toBe(10);
      fake.verify(); // cancelled is not open
    });
  });

  it('fails a request nobody scripted with an error naming it, and logs it as failed', () => {
    rx.run(({ expectObservable, expectSubscriptions, flush }) => {
      const fake = createFakeTransport(() => undefined, rx);
      expectObservable(fake.transport(get('/ep/health', 'health'))).toBe(
        '#',
        undefined,
        new Error('fake transport: no response scripted for GET /ep/health (#0)'),
      );
      expectSubscriptions(fake.subscriptions()).toBe('(^!)');
      flush();
      expect(fake.requests[0].state).toBe('failed');
    });
  });

  it('match / expectOne / expectNone select by "METHOD /path" (with *), by fields, or by predicate', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const answer = cold('(r|)', { r: json({}) });
      const fake = createFakeTransport(() => answer, rx);
      expectObservable(fake.transport(post('/ep/run', { input: 1 }))).toBe('(r|)', { r: json({}) });
      expectObservable(fake.transport(get('/ep/status/j1'))).toBe('(r|)', { r: json({}) });
      expectObservable(fake.transport(get('/ep/status/j2'))).toBe('(r|)', { r: json({}) });
      expectSubscriptions(answer.subscriptions).toBe(['(^!)', '(^!)', '(^!)']);
      flush();
      expect(fake.match('GET /ep/status/*').map((r) => r.path)).toEqual(['/ep/status/j1', '/ep/status/j2']);
      expect(fake.match({ route: 'run' })).toHaveLength(1);
      expect(fake.match((r) => r.body !== undefined)).toHaveLength(1);
      expect(fake.expectOne('POST /ep/run').body).toEqual({ input: 1 });
      expect(fake.expectOne({ method: 'GET', path: '/ep/status/j2' }).index).toBe(2);
      fake.expectNone('POST /ep/cancel/*');
    });
  });

  it('expectOne fails on no match and on several, listing the log; expectNone fails on a match', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const answer = cold('(r|)', { r: json({}) });
      const fake = createFakeTransport(() => answer, rx);
      expectObservable(fake.transport(get('/ep/status/j1'))).toBe('(r|)', { r: json({}) });
      expectObservable(fake.transport(get('/ep/status/j1'))).toBe('(r|)', { r: json({}) });
      expectSubscriptions(answer.subscriptions).toBe(['(^!)', '(^!)']);
      flush();
      expect(() => fake.expectOne('POST /ep/run', 'the run')).toThrow(
        'expected one request matching the run, found 0:\n  #0 @0 GET /ep/status/j1 (answered)\n  #1 @0 GET /ep/status/j1 (answered)',
      );
      expect(() => fake.expectOne('GET /ep/status/j1')).toThrow('found 2');
      expect(() => fake.expectNone('GET /ep/status/*')).toThrow('expected no request matching');
    });
  });

  it('verify() fails while a request is still open', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const never = cold<HttpResponse>('-');
      const fake = createFakeTransport(() => never, rx);
      expectObservable(fake.transport(get('/ep/status/j1'))).toBe('-');
      expectSubscriptions(never.subscriptions).toBe('^');
      flush();
      expect(() => fake.verify()).toThrow('1 request(s) still open:\n  #0 @0 GET /ep/status/j1 (open)');
    });
  });

  it('the docs/testing.md request-by-request example: a 429 on /run retried after its Retry-After', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const queued = json({ id: 'j1', status: 'IN_QUEUE' });
      const fake = createFakeTransport(
        (_request, n) => (n === 0 ? cold('-(r|)', { r: throttled(2) }) : cold('-(r|)', { r: queued })),
        rx,
      );
      const endpoint = createEndpoint({ apiKey: 'k', endpointId: 'ep', scheduler: rx, transport: fake.transport });
      expectObservable(endpoint.run({ input: 1 })).toBe('- 2000ms -(a|)', { a: { id: 'j1', status: 'IN_QUEUE' } });
      expectSubscriptions(fake.subscriptions('POST /ep/run')).toBe(['^!', '- 2000ms ^!']);
      flush();
      expect(fake.requests.map((r) => r.at)).toEqual([0, 2001]);
      fake.verify();
    });
  });

  it('response helpers: json, throttled (seconds or date), text', () => {
    expect(json({ a: 1 })).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(throttled(2).headers['retry-after']).toBe('2');
    expect(throttled('Thu, 01 Jan 1970 00:00:05 GMT').headers['retry-after']).toBe('Thu, 01 Jan 1970 00:00:05 GMT');
    expect(throttled().status).toBe(429);
    expect(text('<html>', 502, 'text/html')).toEqual({
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: '<html>',
    });
  });
});
