import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apiSign, checkRequestAuth } from './request-auth.js';

// Spec §3.1 / D-APIMGMT: the documented vector.
const KEY = '5d41402abc4b2a76b9719d911017c592';
const T = '1471850187';
const SIGN = 'b17971b51ba0fe5916ddcd96692e9fb3';
const config = { appid: '1234', apiKeys: ['other-key', KEY] };
const query = (q: Record<string, string>) => new URLSearchParams(q);

describe('common_access request auth', () => {
  it('signs the spec vector', () => {
    expect(apiSign(KEY, T)).toBe(SIGN);
  });

  it('accepts the spec example under any configured key before t passes', () => {
    expect(checkRequestAuth(query({ appid: '1234', t: T, sign: SIGN }), config, 1471850187)).toBeUndefined();
    expect(
      checkRequestAuth(query({ cmd: '1234', t: T, sign: SIGN.toUpperCase() }), config, Number(T) - 60),
    ).toBeUndefined();
    expect(
      checkRequestAuth(query({ appid: '999', t: T, sign: SIGN }), { ...config, appid: '' }, Number(T) - 60),
    ).toBeUndefined();
  });

  it.each([
    [{ t: T, sign: SIGN }, 'appid is invalid'],
    [{ appid: '1235', t: T, sign: SIGN }, 'appid is invalid'],
    [{ cmd: '1235', t: T, sign: SIGN }, 'cmd is invalid'],
    [{ appid: '1234', t: T, sign: 'b17971b51ba0fe5916ddcd96692e9fb4' }, 'sign invalid'],
    [{ appid: '1234', t: '1471850188', sign: SIGN }, 'sign invalid'],
    [{ appid: '1234', t: T }, 'sign invalid'],
    [{ appid: '1234', sign: SIGN }, 'sign invalid'],
    [{ appid: '1234', t: '0x1', sign: SIGN }, 'sign invalid'],
  ])('%j → %s', (q, expected) => {
    expect(checkRequestAuth(query(q), config, 0)).toBe(expected);
  });

  it('refuses a correctly signed request once t has passed', () => {
    expect(checkRequestAuth(query({ appid: '1234', t: T, sign: SIGN }), config, 1471850188)).toBe(
      'time expired',
    );
  });

  it('refuses everything when no API key is configured', () => {
    expect(
      checkRequestAuth(query({ appid: '1234', t: T, sign: SIGN }), { appid: '1234', apiKeys: [] }, 0),
    ).toBe('appid is invalid');
  });

  it('never throws on arbitrary parameters', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('appid', 'cmd', 't', 'sign', 'x'), fc.string()), (q) => {
        const result = checkRequestAuth(query(q), config, 0);
        expect(result === undefined || typeof result === 'string').toBe(true);
      }),
    );
  });
});
