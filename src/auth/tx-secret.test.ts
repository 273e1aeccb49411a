import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTxTime, parseTxTime, signTxSecret, verifyPublishAuth } from './tx-secret.js';

// Spec §1.1 test vector.
const KEY = 'e12c46f2612d5106e2034781ab261ca3';
const VECTOR_TIME = 0x5c271099; // 1546064025 = 2018-12-29T06:13:45Z

function query(params: Record<string, string>): URLSearchParams {
  return new URLSearchParams(params);
}

function verify(params: Record<string, string>, options: { keys?: readonly string[]; now?: number } = {}) {
  return verifyPublishAuth({
    keys: options.keys ?? [KEY],
    streamName: 'test',
    query: query(params),
    nowSeconds: options.now ?? VECTOR_TIME - 60,
  });
}

describe('signTxSecret', () => {
  it('matches the spec vector for uppercase txTime', () => {
    expect(signTxSecret(KEY, 'test', '5C271099')).toBe('f85a2ab363fe4deaffef9754d79da6fe');
  });

  it('hashes lowercase txTime as written, giving a different digest', () => {
    expect(signTxSecret(KEY, 'test', '5c271099')).toBe('9603387445825a481e6b7496aced5746');
  });
});

describe('formatTxTime / parseTxTime', () => {
  it('formats uppercase hex like the official samples', () => {
    expect(formatTxTime(VECTOR_TIME)).toBe('5C271099');
    expect(formatTxTime(VECTOR_TIME + 0.9)).toBe('5C271099');
  });

  it('rejects times that cannot be a txTime', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32])
      expect(() => formatTxTime(bad)).toThrow(RangeError);
  });

  it.each([
    ['5C271099', VECTOR_TIME],
    ['5c271099', VECTOR_TIME],
    ['59c91afc', 0x59c91afc],
    ['1546064025', 1546064025], // all digits, 10 long: decimal
    ['59999999', 0x59999999], // all digits, 8 long: hex
    ['00000000', 0],
    ['0', undefined], // hex of any other length than 8 would let a signature shift onto a shorter name
    ['26B130030', undefined],
    ['6B13003', undefined],
    ['0546064025', undefined], // decimal with a leading zero is no UNIX time
    ['15460640250', undefined],
    ['', undefined],
    ['0x5C271099', undefined],
    ['5C27 1099', undefined],
    ['-5', undefined],
    ['zz', undefined],
    ['FFFFFFFFFFFFFF', undefined], // beyond exact integers
  ])('parses %j as %j', (input, expected) => {
    expect(parseTxTime(input)).toBe(expected);
  });

  it('round-trips every 32-bit time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seconds) => {
        expect(parseTxTime(formatTxTime(seconds))).toBe(seconds);
      }),
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (input) => {
        const parsed = parseTxTime(input);
        expect(parsed === undefined || Number.isSafeInteger(parsed)).toBe(true);
      }),
    );
  });
});

describe('verifyPublishAuth', () => {
  const signed = { txSecret: 'f85a2ab363fe4deaffef9754d79da6fe', txTime: '5C271099' };

  it('accepts the spec vector before expiry, and exactly at it', () => {
    expect(verify(signed)).toEqual({ ok: true });
    expect(verify(signed, { now: VECTOR_TIME })).toEqual({ ok: true });
  });

  it('accepts a lowercase txTime signed as written', () => {
    expect(verify({ txSecret: '9603387445825a481e6b7496aced5746', txTime: '5c271099' })).toEqual({
      ok: true,
    });
  });

  it('rejects a lowercase txTime carrying the uppercase signature', () => {
    expect(verify({ txSecret: signed.txSecret, txTime: '5c271099' })).toMatchObject({
      reason: 'bad_signature',
    });
  });

  it('compares txSecret case-insensitively', () => {
    expect(verify({ ...signed, txSecret: signed.txSecret.toUpperCase() })).toEqual({ ok: true });
  });

  it('accepts a decimal txTime', () => {
    const txTime = String(VECTOR_TIME);
    expect(verify({ txTime, txSecret: signTxSecret(KEY, 'test', txTime) })).toEqual({ ok: true });
  });

  it('accepts a backup key and keeps accepting the primary', () => {
    const backup = 'backup-key';
    const byBackup = { txTime: '5C271099', txSecret: signTxSecret(backup, 'test', '5C271099') };
    expect(verify(byBackup, { keys: [KEY, backup] })).toEqual({ ok: true });
    expect(verify(signed, { keys: [KEY, backup] })).toEqual({ ok: true });
    expect(verify(byBackup, { keys: [KEY] })).toMatchObject({ reason: 'bad_signature' });
  });

  it('lets everything through when no key is configured', () => {
    expect(verify({}, { keys: [] })).toEqual({ ok: true });
  });

  it.each([
    [{}, {}, 'missing_time', 500, 'txTime parameter is missing'],
    [{ txSecret: signed.txSecret }, {}, 'missing_time', 500, 'txTime parameter is missing'],
    [
      { txTime: 'nope', txSecret: signed.txSecret },
      {},
      'missing_time',
      500,
      'txTime "nope" is not a UNIX time in 8 hex digits (or 10 decimal digits)',
    ],
    [
      signed,
      { now: VECTOR_TIME - 366 * 86400 },
      'missing_time',
      500,
      'txTime 2018-12-29T06:13:45Z is further ahead than the 31536000 s a signature may last (SIGNATURE_MAX_TTL)',
    ],
    [signed, { now: VECTOR_TIME + 1 }, 'expired', 501, 'txTime expired at 2018-12-29T06:13:45Z'],
    [{ txTime: '5C271099' }, {}, 'missing_secret', 502, 'txSecret parameter is missing'],
    [{ txTime: '5C271099', txSecret: '' }, {}, 'missing_secret', 502, 'txSecret parameter is missing'],
    [signed, { keys: ['wrong'] }, 'bad_signature', 503, 'txSecret does not match any push key'],
    [{ ...signed, txSecret: 'xyz' }, {}, 'bad_signature', 503, 'txSecret is not 32 hex digits'],
    [
      { ...signed, txSecret: `${signed.txSecret}00` },
      {},
      'bad_signature',
      503,
      'txSecret is not 32 hex digits',
    ],
  ] as const)('rejects %j (%j) as %s', (params, options, reason, subErrcode, description) => {
    expect(verify(params, { ...options })).toEqual({ ok: false, reason, subErrcode, description });
  });

  it('signs the stream name, not the app', () => {
    const result = verifyPublishAuth({
      keys: [KEY],
      streamName: 'other',
      query: query(signed),
      nowSeconds: VECTOR_TIME - 60,
    });
    expect(result).toMatchObject({ reason: 'bad_signature' });
  });

  const key = fc.string({ minLength: 1, maxLength: 40 });
  const streamName = fc.stringMatching(/^[A-Za-z0-9_.~-]{1,64}$/);
  const now = fc.integer({ min: 1_000_000_000, max: 4_000_000_000 });
  const lifetime = fc.integer({ min: 0, max: 365 * 86400 });

  it('verifies what it signs until the expiry', () => {
    fc.assert(
      fc.property(key, streamName, now, lifetime, fc.boolean(), (k, name, nowSeconds, life, lower) => {
        const formatted = formatTxTime(nowSeconds + life);
        const txTime = lower ? formatted.toLowerCase() : formatted;
        const params = query({ txSecret: signTxSecret(k, name, txTime), txTime });
        expect(verifyPublishAuth({ keys: [k], streamName: name, query: params, nowSeconds })).toEqual({
          ok: true,
        });
        const later = verifyPublishAuth({
          keys: [k],
          streamName: name,
          query: params,
          nowSeconds: nowSeconds + life + 1,
        });
        expect(later).toMatchObject({ reason: 'expired' });
      }),
    );
  });

  // The signature has no separator: md5(key + "studio2" + "6B130030") is md5(key + "studio" + "26B130030").
  it('refuses a signature shifted onto a shorter stream name (issue 11: studio / 26B130030)', () => {
    const txTime = '6B130030';
    const forged = query({ txSecret: signTxSecret(KEY, 'studio2', txTime), txTime: `2${txTime}` });
    const result = verifyPublishAuth({
      keys: [KEY],
      streamName: 'studio',
      query: forged,
      nowSeconds: 0x6b000000,
    });
    expect(result).toMatchObject({ ok: false, reason: 'missing_time' });
  });

  it('refuses every shift of a signature onto a prefix of its stream name', () => {
    fc.assert(
      fc.property(key, streamName, now, lifetime, fc.nat(), (k, name, nowSeconds, life, cut) => {
        fc.pre(name.length > 1 && nowSeconds + life <= 2 ** 32 - 1);
        const txTime = formatTxTime(nowSeconds + life);
        const at = 1 + (cut % (name.length - 1));
        const shifted = query({ txSecret: signTxSecret(k, name, txTime), txTime: name.slice(at) + txTime });
        const result = verifyPublishAuth({
          keys: [k],
          streamName: name.slice(0, at),
          query: shifted,
          nowSeconds,
        });
        // Only a decimal reading could survive: 10 digits that happen to be a near-future UNIX time.
        if (result.ok) expect(/^\d{10}$/.test(name.slice(at) + txTime)).toBe(true);
      }),
    );
  });

  it('rejects any single-character change to the secret', () => {
    const hexDigit = fc.constantFrom(...'0123456789abcdefABCDEF');
    fc.assert(
      fc.property(key, streamName, fc.nat(31), hexDigit, (k, name, at, digit) => {
        const txTime = formatTxTime(2_000_000_000);
        const secret = signTxSecret(k, name, txTime);
        fc.pre(digit.toLowerCase() !== secret[at]);
        const mutated = secret.slice(0, at) + digit + secret.slice(at + 1);
        const params = query({ txSecret: mutated, txTime });
        const result = verifyPublishAuth({
          keys: [k],
          streamName: name,
          query: params,
          nowSeconds: 1_999_999_000,
        });
        expect(result).toMatchObject({ ok: false, reason: 'bad_signature', subErrcode: 503 });
      }),
    );
  });

  it('answers any query without throwing', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('txTime', 'txSecret', 'record'), fc.string({ maxLength: 40 })),
        (params) => {
          const result = verifyPublishAuth({
            keys: [KEY],
            streamName: 'test',
            query: query(params),
            nowSeconds: 0,
          });
          expect(typeof result.ok).toBe('boolean');
        },
      ),
    );
  });
});
