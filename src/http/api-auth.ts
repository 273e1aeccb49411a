/**
 * Who may call the REST API (`/api/v1/*`) and read `/metrics`: a client sending one of the API_TOKENS as
 * `Authorization: Bearer <token>`, or a console session. With no token configured the API is safe by
 * default: it answers loopback clients only. Playback, live, `/common_access` (signed its own way),
 * `/healthz` and the API docs are not guarded here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface ApiAuthOptions {
  /** API_TOKENS; empty means loopback clients only. */
  readonly tokens: readonly string[];
  /** A logged-in console user; see `isConsoleSession`. */
  readonly isConsoleSession?: (request: FastifyRequest) => boolean;
}

export type AuthVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 401 | 403; readonly error: string; readonly message: string };

export interface AuthRequest {
  /** The peer's address (the proxy's, behind one). */
  readonly ip: string;
  readonly headers: FastifyRequest['headers'];
}

/**
 * The hook for issue 6's console: a browser session logged into the console may use the API without a
 * token. There is no console yet, so no request is one.
 */
export function isConsoleSession(_request: FastifyRequest): boolean {
  return false;
}

/** Route patterns (not raw URLs, which may be percent-encoded) that need API authorization. */
export function isGuardedRoute(routeUrl: string | undefined): boolean {
  return routeUrl !== undefined && (routeUrl.startsWith('/api/v1/') || routeUrl === '/metrics');
}

/** Checks every guarded route of `app`, including those registered later by other modules. */
export function registerApiAuth(app: FastifyInstance, options: ApiAuthOptions): void {
  const authorize = apiAuthorizer(options.tokens);
  const consoleSession = options.isConsoleSession ?? isConsoleSession;
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isGuardedRoute(request.routeOptions.url) || consoleSession(request)) return;
    const verdict = authorize(request);
    if (verdict.ok) return;
    if (verdict.status === 401) reply.header('www-authenticate', 'Bearer realm="livetape"');
    return reply.code(verdict.status).send({ error: verdict.error, message: verdict.message });
  });
}

/** The decision alone, for one token set: no I/O, so it is tested directly. */
export function apiAuthorizer(tokens: readonly string[]): (request: AuthRequest) => AuthVerdict {
  const digests = tokens.map(digest);
  return (request) => {
    if (digests.length === 0) {
      if (isDirectLoopback(request)) return { ok: true };
      return refused(
        403,
        'API_TOKENS is not set, so the API answers loopback clients only (not through a proxy); set API_TOKENS and send "Authorization: Bearer <token>"',
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

function isDirectLoopback(request: AuthRequest): boolean {
  return isLoopback(request.ip) && PROXY_HEADERS.every((name) => request.headers[name] === undefined);
}

/** 127.0.0.0/8 and ::1, also IPv4-mapped (`::ffff:127.0.0.1`, what a dual-stack socket reports). */
export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  if (isIP(address) !== 6 || address.includes('%')) return false;
  // The URL parser writes any spelling of an IPv6 address in one canonical form.
  const canonical = new URL(`http://[${address}]`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}
