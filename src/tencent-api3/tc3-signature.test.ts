import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalRequest,
  parseTc3Authorization,
  type Tc3Request,
  tc3Signature,
  verifyTc3,
} from './tc3-signature.js';

// Spec tencent-cloud-api3.md §1.6 (the official vector) and §1.7 (a LiveTape-shaped one).
const SECRET_ID = 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE';
const SECRET_KEY = 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE';
const SECRETS = new Map([[SECRET_ID, SECRET_KEY]]);

const official: Tc3Request = {
  method: 'POST',
  rawQuery: '',
  headers: {
    'content-type': 'application/json; charset=utf-8',
    host: 'cvm.tencentcloudapi.com',
    'x-tc-timestamp': '1551113065',
    authorization: `TC3-HMAC-SHA256 Credential=${SECRET_ID}/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168`,
  },
  body: Buffer.from(
    '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
  ),
};

const liveTape = (host: string, signature: string): Tc3Request => ({
  method: 'POST',
  rawQuery: '',
  headers: {
    'content-type': 'application/json',
    host,
    'x-tc-timestamp': '1700000000',
    authorization: `TC3-HMAC-SHA256 Credential=${SECRET_ID}/2023-11-14/live/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`,
  },
  body: Buffer.from(
    '{"StreamName":"stream1","DomainName":"push.example.com","AppName":"live","EndTime":1700003600,"TemplateId":1000}',
  ),
});
const NODE_SIGNATURE = '15529ab3a6f06634aeafbff704ad89b3b61c774cd9ce6d1efa39c002cf1211d7';
const GO_SIGNATURE = '820c22fd6e70558a77bca3f1af985e26410c9d4c8e09431e8dba598b6346093a';

describe('TC3-HMAC-SHA256', () => {
  it('builds the official canonical request and signature', () => {
    expect(official.body.length).toBe(86);
    const headers = (name: string) => official.headers[name] ?? '';
    const canonical = canonicalRequest(official, ['content-type', 'host'], headers);
    expect(canonical).toBe(
      'POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064',
    );
    const input = {
      secretKey: SECRET_KEY,
      timestamp: 1551113065,
      date: '2019-02-25',
      service: 'cvm',
      signedHeaders: [],
    };
    expect(tc3Signature(canonical, input)).toBe(
      '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
  });

  it('accepts the official vector and takes the service from the scope', () => {
    expect(verifyTc3(official, SECRETS, 1551113065 + 10)).toEqual({ ok: true, secretId: SECRET_ID });
  });

  it('accepts the Node SDK signing the host without its port, and the Go SDK with it', () => {
    expect(verifyTc3(liveTape('live.livetape.test:8080', NODE_SIGNATURE), SECRETS, 1700000000).ok).toBe(true);
    expect(verifyTc3(liveTape('live.livetape.test:8080', GO_SIGNATURE), SECRETS, 1700000000).ok).toBe(true);
  });

  it('refuses a changed body, a wrong key, an unknown id and an old timestamp', () => {
    const changed = { ...official, body: Buffer.from(official.body.toString().replace('1', '2')) };
    expect(verifyTc3(changed, SECRETS, 1551113065)).toMatchObject({ code: 'AuthFailure.SignatureFailure' });
    expect(verifyTc3(official, new Map([[SECRET_ID, 'other']]), 1551113065)).toMatchObject({
      code: 'AuthFailure.SignatureFailure',
    });
    expect(verifyTc3(official, new Map([['AKIDother', SECRET_KEY]]), 1551113065)).toMatchObject({
      code: 'AuthFailure.SecretIdNotFound',
    });
    expect(verifyTc3(official, SECRETS, 1551113065 + 301)).toMatchObject({
      code: 'AuthFailure.SignatureExpire',
    });
    expect(verifyTc3(official, SECRETS, 1551113065 - 301)).toMatchObject({
      code: 'AuthFailure.SignatureExpire',
    });
  });

  it('refuses a missing or malformed Authorization header', () => {
    const { authorization: _, ...headers } = official.headers;
    expect(verifyTc3({ ...official, headers }, SECRETS, 1551113065)).toMatchObject({
      code: 'AuthFailure.InvalidAuthorization',
    });
  });

  it('never throws on arbitrary Authorization headers and timestamps', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 20 }), (authorization, ts) => {
        const verdict = verifyTc3(
          { ...official, headers: { ...official.headers, authorization, 'x-tc-timestamp': ts } },
          SECRETS,
          1551113065,
        );
        expect(verdict.ok).toBe(false);
        parseTc3Authorization(authorization);
      }),
    );
  });
});
