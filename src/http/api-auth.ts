/**
 * Who may call the REST API (`/api/v1/*`) and read `/metrics`: a client sending one of the API_TOKENS as
 * `Authorization: Bearer <token>`, or a console session. With no token configured the API is safe by
 * default: it answers loopback clients only. Playback, live, `/common_access` (signed its own way),
 * `/healthz`, the API docs and the console's login routes are not guarded here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';

export interface ApiAuthOptions {
  /** API_TOKENS; empty means loopback clients only. */
  readonly tokens: readonly string[];
  /** A browser logged into the console (a valid session cookie); without it, no request is one. */
  readonly isConsoleSession?: (request: FastifyRequest) => boolean | Promise<boolean>;
  /** PUBLIC_URL ('' when unset): its origin may send writes a console session authorizes. */
  readonly publicUrl?: string;
}

export type AuthVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly status: 401 | 403;
      readonly error: 'unauthorized' | 'forbidden';
      readonly message: string;
    };

export interface AuthRequest {
  /** The peer's address (the proxy's, behind one). */
  readonly ip: string;
  readonly headers: FastifyRequest['headers'];
}

/** The console's login routes: a browser must reach them before it has any credential. */
export const SESSION_ROUTE = '/api/v1/session';

/** API routes anyone may call (they grant nothing by themselves). */
export function isPublicApiRoute(routeUrl: string | undefined): boolean {
  return routeUrl === SESSION_ROUTE;
}

/** Route patterns (not raw URLs, which may be percent-encoded) that need API authorization. */
export function isGuardedRoute(routeUrl: string | undefined): boolean {
  return (
    routeUrl !== undefined &&
    ((routeUrl.startsWith('/api/v1/') && !isPublicApiRoute(routeUrl)) || routeUrl === '/metrics')
  );
}

/** Checks every guarded route of `app`, including those registered later by other modules. */
export function registerApiAuth(app: FastifyInstance, options: ApiAuthOptions): void {
  const authorize = apiAuthorizer(options.tokens, options.publicUrl);
  const consoleSession = options.isConsoleSession ?? (() => false);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isGuardedRoute(request.routeOptions.url)) return;
    let verdict = authorize(request);
    if (!verdict.ok && (await consoleSession(request))) verdict = sameOriginWrite(request, options.publicUrl);
    if (verdict.ok) return;
    if (verdict.status === 401) reply.header('www-authenticate', 'Bearer realm="livetape"');
    return sendError(reply, verdict.error, verdict.message);
  });
}

/** The decision alone, for one token set: no I/O, so it is tested directly. */
export function apiAuthorizer(
  tokens: readonly string[],
  publicUrl = '',
): (request: AuthRequest) => AuthVerdict {
  const digests = tokens.map(digest);
  const localHosts = new Set<string>(LOCAL_HOSTS);
  if (publicUrl !== '') localHosts.add(new URL(publicUrl).hostname);
  return (request) => {
    if (digests.length === 0) {
      if (isDirectLoopback(request, localHosts)) {
        return fromOtherSite(request)
          ? refused(
              403,
              `a web page from ${request.headers.origin} may not use the API on the strength of this machine's loopback address; log into the console, or set API_TOKENS and send "Authorization: Bearer <token>"`,
            )
          : { ok: true };
      }
      return refused(
        403,
        'API_TOKENS is not set, so the API answers loopback clients only (not through a proxy, and only when Host names this machine: localhost, 127.0.0.1, [::1] or the PUBLIC_URL host); set API_TOKENS and send "Authorization: Bearer <token>"',
      );
    }
    const header = request.headers.authorization;
    if (header === undefined)
      return refused(401, 'send "Authorization: Bearer <token>" with one of the API_TOKENS');
    const token = /^Bearer +(\S+) *$/i.exec(header)?.[1];
    if (token === undefined) return refused(401, 'the Authorization header must be "Bearer <token>"');
    if (!matchesAny(digest(token), digests))
      return refused(401, 'the bearer token is not one of the API_TOKENS');
    return { ok: true };
  };
}

/**
 * A request a browser sent for a page of another site: any web page the operator opens could otherwise
 * read and change the API through the operator's own browser, which is on loopback. Browsers send
 * `Origin` with every cross-origin fetch; tools like curl send none.
 */
function fromOtherSite(request: AuthRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  return !URL.canParse(origin) || new URL(origin).host !== request.headers.host;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence on top of SameSite for what a browser's cookie authorizes: a write carrying `Origin` must
 * come from this server's own pages, i.e. the request's own origin (`Host` with the connection's scheme)
 * or PUBLIC_URL's (when a proxy rewrites the address).
 */
export function sameOriginWrite(
  request: Pick<FastifyRequest, 'method' | 'protocol' | 'headers'>,
  publicUrl = '',
): AuthVerdict {
  const origin = request.headers.origin;
  if (SAFE_METHODS.has(request.method) || origin === undefined) return { ok: true };
  if (origin === originOf(request.protocol, request.headers.host)) return { ok: true };
  if (publicUrl !== '' && origin === new URL(publicUrl).origin) return { ok: true };
  return refused(
    403,
    `${request.method} from origin ${origin} refused: a console session may only write from this server's own pages (set PUBLIC_URL when a proxy changes the address)`,
  );
}

/** As a browser writes `Origin`: lower case, no default port. */
function originOf(scheme: string, host: string | undefined): string | undefined {
  const url = `${scheme}://${host}`;
  return host !== undefined && URL.canParse(url) ? new URL(url).origin : undefined;
}

function refused(status: 401 | 403, message: string): AuthVerdict {
  return { ok: false, status, error: status === 401 ? 'unauthorized' : 'forbidden', message };
}

/**
 * Comparing fixed-size digests with `timingSafeEqual`, and always against every token, keeps the
 * time taken independent of how much of a guess was right and of its length.
 */
function matchesAny(candidate: Buffer, digests: readonly Buffer[]): boolean {
  let match = false;
  for (const known of digests) match = timingSafeEqual(candidate, known) || match;
  return match;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Headers a reverse proxy adds: the real client is elsewhere, whatever the socket says. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

/**
 * Host names a client on this machine uses. A loopback connection naming any other host is something
 * else in disguise: a DNS-rebinding page in the operator's browser (`evil.example` resolving to
 * 127.0.0.1), or a proxy or tunnel (nginx `proxy_pass`, HAProxy in TCP mode, `ssh -R`) that forwards
 * internet clients without adding a forwarding header.
 */
const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

function isDirectLoopback(request: AuthRequest, localHosts: ReadonlySet<string>): boolean {
  return (
    isLoopback(request.ip) &&
    PROXY_HEADERS.every((name) => request.headers[name] === undefined) &&
    localHosts.has(hostnameOf(request.headers.host) ?? '')
  );
}

/**
 * The host name of a `Host` header as sent (lower case, without port); undefined when it is not a plain
 * `name[:port]` or `[v6][:port]`. Not normalised like a URL: `127.1` or `2130706433` are no names a
 * local client sends, so they are not taken for 127.0.0.1.
 */
function hostnameOf(host: string | undefined): string | undefined {
  const match = host === undefined ? null : PLAIN_HOST.exec(host);
  return match === null ? undefined : match[1]!.toLowerCase();
}

const PLAIN_HOST = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** 127.0.0.0/8 and ::1, also IPv4-mapped (`::ffff:127.0.0.1`, what a dual-stack socket reports). */
export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  if (isIP(address) !== 6 || address.includes('%')) return false;
  // The URL parser writes any spelling of an IPv6 address in one canonical form.
  const canonical = new URL(`http://[${address}]`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}
