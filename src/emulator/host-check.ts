/** Tells whether a request's `Host` header names this server (DNS-rebinding protection). */
export type HostCheck = (host: string | undefined, localPort: number | undefined) => boolean;

/** Host names that always mean this machine. */
const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '::1']);

/** Bind addresses that listen on every interface: any host name may reach them. */
const WILDCARD_BINDS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

/** `name[:port]` or `[v6][:port]`, nothing else (no userinfo, path or spaces). */
const HOST_SYNTAX = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/;

const bare = (host: string): string => host.replace(/^\[|\]$/g, '').toLowerCase();

/**
 * Builds the `Host` check of a server bound to `boundHost`. A `Host` must name a loopback
 * address (`localhost`, `127.0.0.1`, `[::1]`) or the bound address itself, with the port
 * the connection arrived on. A page on another site that re-points its own name at 127.0.0.1
 * (DNS rebinding) sends its own name and is refused. A wildcard bind (`0.0.0.0`, `::`), which
 * the user asked for explicitly, accepts any name. A request without `Host` (HTTP/1.0; browsers
 * always send one) passes.
 */
export function createHostCheck(boundHost: string): HostCheck {
  const bound = bare(boundHost);
  if (WILDCARD_BINDS.has(bound)) return () => true;
  return (host, localPort) => {
    if (host === undefined) return true;
    const match = HOST_SYNTAX.exec(host.trim().toLowerCase());
    if (!match) return false;
    const name = bare(match[1]);
    if (!LOOPBACK_NAMES.has(name) && name !== bound) return false;
    const port = match[2] === undefined ? 80 : Number(match[2]);
    return localPort === undefined || port === localPort;
  };
}
