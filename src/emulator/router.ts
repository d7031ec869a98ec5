import type { RouteName } from '../transport/transport.js';

/** Result of matching a request line. */
export type RouteMatch =
  | { kind: 'notFound' }
  | { kind: 'methodNotAllowed'; route: RouteName; allow: string }
  | { kind: 'ok'; route: RouteName; endpointId: string; jobId?: string };

interface RouteSpec {
  readonly withId: boolean;
  readonly methods: readonly string[];
}

/** Every route under `/v2/{endpointId}/`, with the methods the cloud accepts. */
export const ROUTE_TABLE: Readonly<Record<RouteName, RouteSpec>> = {
  run: { withId: false, methods: ['POST'] },
  runsync: { withId: false, methods: ['POST'] },
  status: { withId: true, methods: ['GET', 'POST'] },
  'status-sync': { withId: true, methods: ['GET', 'POST'] },
  stream: { withId: true, methods: ['GET', 'POST'] },
  cancel: { withId: true, methods: ['POST'] },
  retry: { withId: true, methods: ['POST'] },
  'purge-queue': { withId: false, methods: ['POST'] },
  health: { withId: false, methods: ['GET'] },
};

const SEGMENT = /^[A-Za-z0-9._~-]{1,200}$/;

function decode(segment: string): string | undefined {
  try {
    const value = decodeURIComponent(segment);
    return SEGMENT.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Matches `METHOD /v2/{endpointId}/{op}[/{jobId}]` (a trailing slash is tolerated). */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const parts = pathname.replace(/\/$/, '').split('/');
  // ['', 'v2', endpointId, op, id?]
  if (parts.length < 4 || parts.length > 5 || parts[0] !== '' || parts[1] !== 'v2') return { kind: 'notFound' };
  const op = parts[3];
  if (!Object.prototype.hasOwnProperty.call(ROUTE_TABLE, op)) return { kind: 'notFound' };
  const route = op as RouteName;
  const spec = ROUTE_TABLE[route];
  if (spec.withId !== (parts.length === 5)) return { kind: 'notFound' };
  const endpointId = decode(parts[2]);
  if (endpointId === undefined) return { kind: 'notFound' };
  let jobId: string | undefined;
  if (spec.withId) {
    jobId = decode(parts[4]);
    if (jobId === undefined) return { kind: 'notFound' };
  }
  if (!spec.methods.includes(method)) return { kind: 'methodNotAllowed', route, allow: spec.methods.join(', ') };
  return jobId === undefined ? { kind: 'ok', route, endpointId } : { kind: 'ok', route, endpointId, jobId };
}
