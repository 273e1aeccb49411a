/**
 * The console's session cookie, stateless: `<expiry seconds>.<random id>.<HMAC-SHA256>`. Nothing is stored
 * per session, so sessions survive restarts and are valid on every node that shares the catalog (where
 * the signing secret lives). No I/O here.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'livetape_session';
export const SESSION_LIFETIME_SECONDS = 12 * 60 * 60;

const TOKEN = /^(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/**
 * The key session MACs are made with: the server secret bound to the current password, so that changing
 * the password invalidates every session signed before.
 */
export function sessionKey(secret: Buffer, passwordFingerprint: string): Buffer {
  return createHmac('sha256', secret).update(`livetape console session\0${passwordFingerprint}`).digest();
}

export function issueSessionToken(key: Buffer, nowMs: number): string {
  const expiry = Math.floor(nowMs / 1000) + SESSION_LIFETIME_SECONDS;
  const payload = `${expiry}.${randomBytes(16).toString('base64url')}`;
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** True only for an unexpired token this key signed; any other string is just false. */
export function verifySessionToken(token: string, key: Buffer, nowMs: number): boolean {
  const match = TOKEN.exec(token);
  if (match === null) return false;
  const [, expiry, id, signature] = match as unknown as [string, string, string, string];
  const expected = mac(key, `${expiry}.${id}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  return Number(expiry) * 1000 > nowMs;
}

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

/**
 * Every value of cookie `name` in a `Cookie` header (RFC 6265 §5.4: `a=1; b=2`). All of them, because a
 * sibling site may have planted a cookie of the same name with another path or domain.
 */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (header === undefined) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals !== -1 && pair.slice(0, equals).trim() === name) values.push(pair.slice(equals + 1).trim());
  }
  return values;
}

/** `Set-Cookie` for a new session, or (token `''`) one that removes it. */
export function sessionSetCookie(token: string, secure: boolean): string {
  const maxAge = token === '' ? 0 : SESSION_LIFETIME_SECONDS;
  return `${SESSION_COOKIE}=${token}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
