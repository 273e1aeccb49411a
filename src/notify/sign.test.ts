import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodySignature, CALLBACK_EXPIRY_SEC, legacySign, signedBody } from './sign.js';

describe('callback signatures', () => {
  it('matches the spec vector: md5(key + t)', () => {
    expect(legacySign('5d41402abc4b2a76b9719d911017c592', 1471850187)).toBe(
      'b17971b51ba0fe5916ddcd96692e9fb3',
    );
  });

  it('signs the raw body with HMAC-SHA256 of the key', () => {
    const body = '{"event_type":1}';
    const expected = createHmac('sha256', 'k').update(body).digest('hex');
    expect(bodySignature('k', body)).toBe(`sha256=${expected}`);
  });

  it('appends t (attempt time + 600 s) and its sign, keeping the stored payload intact', () => {
    const body = signedBody('{"event_type":100,"stream_id":"s"}', 'key', 1_700_000_000_900);
    const t = 1_700_000_000 + CALLBACK_EXPIRY_SEC;
    expect(JSON.parse(body)).toEqual({ event_type: 100, stream_id: 's', t, sign: legacySign('key', t) });
    expect(body.startsWith('{"event_type":100,"stream_id":"s",')).toBe(true);
  });

  it('yields valid JSON with every payload field for any payload object', () => {
    const payload = fc.dictionary(
      fc.string().filter((k) => k !== 't' && k !== 'sign' && k !== '__proto__'),
      fc.jsonValue(),
      {
        minKeys: 1,
      },
    );
    fc.assert(
      fc.property(payload, fc.string(), fc.integer({ min: 0, max: 4e12 }), (value, key, now) => {
        const parsed = JSON.parse(signedBody(JSON.stringify(value), key, now)) as Record<string, unknown>;
        const t = Math.floor(now / 1000) + CALLBACK_EXPIRY_SEC;
        expect(parsed).toEqual({ ...JSON.parse(JSON.stringify(value)), t, sign: legacySign(key, t) });
      }),
    );
  });

  it('refuses a payload that is not a non-empty object', () => {
    expect(() => signedBody('{}', 'k', 0)).toThrow(TypeError);
    expect(() => signedBody('[1]', 'k', 0)).toThrow(TypeError);
  });
});
