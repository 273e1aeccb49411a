import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cookieValues,
  issueSessionToken,
  SESSION_LIFETIME_SECONDS,
  sessionKey,
  sessionSetCookie,
  verifySessionToken,
} from './session-cookie.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const key = sessionKey(randomBytes(32), 'stored:fingerprint');

describe('session tokens', () => {
  it('verify for 12 hours with the key that signed them', () => {
    const token = issueSessionToken(key, NOW);
    expect(verifySessionToken(token, key, NOW)).toBe(true);
    expect(verifySessionToken(token, key, NOW + SESSION_LIFETIME_SECONDS * 1000 - 1000)).toBe(true);
    expect(verifySessionToken(token, key, NOW + SESSION_LIFETIME_SECONDS * 1000)).toBe(false);
  });

  it('are refused under another secret or after the password changed', () => {
    const token = issueSessionToken(key, NOW);
    expect(verifySessionToken(token, sessionKey(randomBytes(32), 'stored:fingerprint'), NOW)).toBe(false);
    const secret = randomBytes(32);
    const before = issueSessionToken(sessionKey(secret, 'stored:old'), NOW);
    expect(verifySessionToken(before, sessionKey(secret, 'stored:new'), NOW)).toBe(false);
  });

  it('are refused when any part is changed', () => {
    const token = issueSessionToken(key, NOW);
    const [expiry, id, mac] = token.split('.') as [string, string, string];
    const flip = (text: string, at: number) =>
      text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    for (const forged of [
      `${Number(expiry) + 3600}.${id}.${mac}`,
      `${expiry}.${flip(id, 3)}.${mac}`,
      `${expiry}.${id}.${flip(mac, 10)}`,
      `${expiry}.${id}`,
      `${expiry}.${id}.${mac}.`,
      ` ${token}`,
    ])
      expect(verifySessionToken(forged, key, NOW), forged).toBe(false);
  });

  it('never throws and never verifies an arbitrary string', () => {
    const base64url = (bytes: number) =>
      fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('base64url'));
    // Well-formed but unsigned: right shape, random id and MAC.
    const tokenLike = fc
      .tuple(fc.integer({ min: 0, max: 999_999_999_999 }), base64url(16), base64url(32))
      .map((parts) => parts.join('.'));
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), tokenLike),
        (text) => !verifySessionToken(text, key, NOW),
      ),
      { numRuns: 500 },
    );
  });
});

describe('cookieValues', () => {
  it('finds every value of the name, whatever the spacing', () => {
    expect(
      cookieValues('a=1; livetape_session=x.y.z;b=2;livetape_session = second', 'livetape_session'),
    ).toEqual(['x.y.z', 'second']);
    expect(cookieValues('xlivetape_session=1; livetape_sessionx=2', 'livetape_session')).toEqual([]);
    expect(cookieValues(undefined, 'livetape_session')).toEqual([]);
    expect(cookieValues('', 'livetape_session')).toEqual([]);
  });

  it('never throws, and what it finds from arbitrary headers never verifies', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (header) =>
        cookieValues(header, 'livetape_session').every((value) => !verifySessionToken(value, key, NOW)),
      ),
      { numRuns: 1000 },
    );
  });
});

describe('sessionSetCookie', () => {
  it('sets an HttpOnly, SameSite=Strict cookie for the whole site, Secure when asked', () => {
    expect(sessionSetCookie('t', false)).toBe(
      'livetape_session=t; Max-Age=43200; Path=/; HttpOnly; SameSite=Strict',
    );
    expect(sessionSetCookie('t', true)).toMatch(/; Secure$/);
    expect(sessionSetCookie('', false)).toBe(
      'livetape_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
    );
  });
});
