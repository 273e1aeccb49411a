/**
 * Console login: `GET/POST/DELETE /api/v1/session`, and the check that lets a logged-in browser use the
 * REST API like a bearer token (wired into api-auth). The cookie is signed with a secret kept in the
 * settings table and bound to the password's fingerprint; both are re-read every `keyTtlMs`, so a new
 * password (set by `livetape reset-admin-password` or another node) logs everyone out within that time.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type CredentialSource,
  credentialSource,
  ensureAdminPassword,
  type SettingsStore,
} from '../auth/admin-password.js';
import { FailureThrottle } from '../auth/failure-throttle.js';
import type { Logger } from '../log.js';
import { type AuthVerdict, SESSION_ROUTE, sameOriginWrite } from './api-auth.js';
import { errorResponses } from './api-schemas.js';
import { sendError } from './errors.js';
import {
  cookieValues,
  issueSessionToken,
  SESSION_COOKIE,
  sessionKey,
  sessionSetCookie,
  verifySessionToken,
} from './session-cookie.js';
import { rejectUnknownParams } from './unknown-params.js';

/** The settings key of the cookie-signing secret (base64url of 32 random bytes), shared by all nodes. */
export const SESSION_SECRET_SETTING = 'console.session-secret';

export interface ConsoleSessionOptions {
  readonly settings: SettingsStore;
  readonly credential: CredentialSource;
  /** PUBLIC_URL, '' when unset: `https` makes the cookie `Secure`, and its origin may send writes. */
  readonly publicUrl: string;
  /** How long the secret and the password fingerprint read from the catalog are trusted. */
  readonly keyTtlMs?: number;
  readonly throttle?: FailureThrottle;
  readonly now?: () => number;
}

const DEFAULT_KEY_TTL_MS = 10_000;

/**
 * At server start: makes the admin password on the very first start and opens the sessions.
 * `generatedPassword` is set on that start only; the start banner shows it on the terminal. It is never
 * written into a log record: logs are shipped, stored and read by more people than the operator.
 */
export async function startConsoleLogin(
  config: { readonly adminPassword: string; readonly publicUrl: string },
  settings: SettingsStore,
  log: Logger,
): Promise<{ sessions: ConsoleSessions; generatedPassword: string | undefined }> {
  const generatedPassword = await ensureAdminPassword(config.adminPassword, settings);
  if (generatedPassword !== undefined) {
    log.warn(
      'console admin password generated: it is shown once in the start banner on the terminal, never in the log; `livetape reset-admin-password` makes a new one',
    );
  }
  const sessions = await ConsoleSessions.open({
    settings,
    credential: credentialSource(config.adminPassword, settings),
    publicUrl: config.publicUrl,
  });
  return { sessions, generatedPassword };
}

export class ConsoleSessions {
  private readonly keyTtlMs: number;
  private readonly throttle: FailureThrottle;
  private readonly now: () => number;
  private readonly secureCookie: boolean;
  /** For the API guard's same-origin rule. */
  readonly publicUrl: string;
  private cachedKey: { readonly at: number; readonly key: Promise<Buffer | undefined> } | undefined;

  private constructor(private readonly options: ConsoleSessionOptions) {
    this.keyTtlMs = options.keyTtlMs ?? DEFAULT_KEY_TTL_MS;
    this.now = options.now ?? Date.now;
    this.throttle = options.throttle ?? new FailureThrottle({ now: this.now });
    this.secureCookie = options.publicUrl.startsWith('https:');
    this.publicUrl = options.publicUrl;
  }

  /** Creates the signing secret on the very first start, so the first login does not race for it. */
  static async open(options: ConsoleSessionOptions): Promise<ConsoleSessions> {
    const sessions = new ConsoleSessions(options);
    await sessions.currentKey();
    return sessions;
  }

  /** The API guard's `isConsoleSession`: a valid session cookie, whatever the client's address. */
  async hasSession(request: FastifyRequest): Promise<boolean> {
    const tokens = cookieValues(request.headers.cookie, SESSION_COOKIE);
    if (tokens.length === 0) return false;
    const key = await this.currentKey();
    const now = this.now();
    return key !== undefined && tokens.some((token) => verifySessionToken(token, key, now));
  }

  register(app: FastifyInstance): void {
    app.get(
      SESSION_ROUTE,
      {
        schema: {
          summary: 'Whether this browser is logged into the console',
          description: 'Never refused: `authenticated` is true only with a valid session cookie.',
          tags: ['session'],
          security: [],
          response: {
            200: {
              type: 'object',
              required: ['authenticated'],
              properties: { authenticated: { type: 'boolean' } },
            },
          },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return { authenticated: await this.hasSession(request) };
      },
    );
    app.post<{ Body: { password: string } }>(
      SESSION_ROUTE,
      {
        schema: {
          summary: 'Log into the console',
          description: `Sets the \`${SESSION_COOKIE}\` cookie (HttpOnly, SameSite=Strict, 12 h), which then authorizes the API like a bearer token. After 5 failures in 15 minutes an address gets 429 until the window ends.`,
          tags: ['session'],
          security: [],
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['password'],
            properties: { password: { type: 'string', minLength: 1, maxLength: 1024 } },
          },
          response: {
            204: { type: 'null', description: 'Logged in; the cookie is set' },
            ...errorResponses(400, 401, 403, 429),
          },
        },
        preValidation: rejectUnknownParams,
      },
      (request, reply) => this.login(request, reply),
    );
    app.delete(
      SESSION_ROUTE,
      {
        schema: {
          summary: 'Log out of the console',
          tags: ['session'],
          security: [],
          response: { 204: { type: 'null', description: 'The cookie is cleared' }, ...errorResponses(403) },
        },
      },
      async (request, reply) => {
        const verdict = sameOriginWrite(request, this.publicUrl);
        if (!verdict.ok) return refuse(reply, verdict);
        return reply.header('set-cookie', sessionSetCookie('', this.secureCookie)).code(204).send();
      },
    );
  }

  private async login(request: FastifyRequest<{ Body: { password: string } }>, reply: FastifyReply) {
    reply.header('cache-control', 'no-store');
    // A login form on another site must not be able to log a browser in, nor guess passwords with it.
    const verdict = sameOriginWrite(request, this.publicUrl);
    if (!verdict.ok) return refuse(reply, verdict);
    const waitMs = this.throttle.retryAfterMs(request.ip);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      reply.header('retry-after', String(seconds));
      return sendError(
        reply,
        'too_many_requests',
        `too many failed logins from this address; try again in ${seconds} s`,
      );
    }
    // Counted before anything is awaited, so parallel guesses cannot all pass the throttle at once.
    this.throttle.recordFailure(request.ip);
    const credential = await this.options.credential();
    if (credential === undefined) {
      return sendError(
        reply,
        'unauthorized',
        'no admin password is stored: run `livetape reset-admin-password` to make one',
      );
    }
    if (!(await credential.matches(request.body.password))) {
      return sendError(reply, 'unauthorized', 'wrong password');
    }
    this.throttle.recordSuccess(request.ip);
    // Sign with the credential just checked, not a cached fingerprint that a reset may have outdated.
    const key = sessionKey(await this.secret(), credential.fingerprint);
    this.cachedKey = { at: this.now(), key: Promise.resolve(key) };
    const token = issueSessionToken(key, this.now());
    return reply.header('set-cookie', sessionSetCookie(token, this.secureCookie)).code(204).send();
  }

  private currentKey(): Promise<Buffer | undefined> {
    const now = this.now();
    if (this.cachedKey === undefined || now - this.cachedKey.at >= this.keyTtlMs) {
      const key = this.loadKey();
      this.cachedKey = { at: now, key };
      // A failed read (database down) must be retried by the next request, not cached for the TTL.
      key.catch(() => {
        if (this.cachedKey?.key === key) this.cachedKey = undefined;
      });
    }
    return this.cachedKey.key;
  }

  private async loadKey(): Promise<Buffer | undefined> {
    const [secret, credential] = await Promise.all([this.secret(), this.options.credential()]);
    return credential === undefined ? undefined : sessionKey(secret, credential.fingerprint);
  }

  /**
   * The stored secret, created when missing. Read back after writing: when several nodes start at once,
   * the last write wins and every node ends up (at the latest after one TTL) with the same secret.
   */
  private async secret(): Promise<Buffer> {
    const { settings } = this.options;
    const stored = decodeSecret(await settings.get<unknown>(SESSION_SECRET_SETTING));
    if (stored !== undefined) return stored;
    await settings.set(SESSION_SECRET_SETTING, randomBytes(32).toString('base64url'));
    const written = decodeSecret(await settings.get<unknown>(SESSION_SECRET_SETTING));
    if (written === undefined) throw new Error('the console session secret could not be stored');
    return written;
  }
}

function decodeSecret(value: unknown): Buffer | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value)
    ? Buffer.from(value, 'base64url')
    : undefined;
}

function refuse(reply: FastifyReply, verdict: Extract<AuthVerdict, { ok: false }>) {
  return sendError(reply, verdict.error, verdict.message);
}
