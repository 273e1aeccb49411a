/**
 * TC3-HMAC-SHA256, the request signature of Tencent Cloud API 3.0 (spec tencent-cloud-api3.md §1.4), as a
 * server verifies it. Pure: a request's parts in, a verdict out. The pitfalls the official SDKs create are
 * handled here: the service and date are taken from the credential scope (the Node SDK derives the
 * service from the endpoint's first label), and the host is tried with and without its port (Node signs
 * it without, Go with).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';
/** Largest difference between X-TC-Timestamp and the server's clock. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

export interface Tc3Authorization {
  readonly secretId: string;
  /** `YYYY-MM-DD`, the UTC date of the timestamp. */
  readonly date: string;
  readonly service: string;
  /** Lower-case header names, in the order given. */
  readonly signedHeaders: readonly string[];
  /** 64 lower-case hex digits. */
  readonly signature: string;
}

const AUTHORIZATION =
  /^TC3-HMAC-SHA256\s+Credential=([^/\s,]{1,128})\/(\d{4}-\d{2}-\d{2})\/([^/\s,]{1,64})\/tc3_request\s*,\s*SignedHeaders=([a-z0-9-]{1,64}(?:;[a-z0-9-]{1,64}){0,19})\s*,\s*Signature=([0-9a-fA-F]{64})$/;

/** Undefined for anything that is not a well-formed TC3 Authorization header. */
export function parseTc3Authorization(header: string): Tc3Authorization | undefined {
  const match = AUTHORIZATION.exec(header.trim());
  if (!match) return undefined;
  const [, secretId, date, service, signedHeaders, signature] = match as unknown as string[];
  return {
    secretId: secretId!,
    date: date!,
    service: service!,
    signedHeaders: signedHeaders!.split(';'),
    signature: signature!.toLowerCase(),
  };
}

/** What a signature covers. Header names lower-case; the body as the raw bytes received. */
export interface Tc3Request {
  readonly method: string;
  /** The query string exactly as received, without `?` ('' for none). */
  readonly rawQuery: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

export interface Tc3SignInput {
  readonly secretKey: string;
  readonly timestamp: number;
  readonly date: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** The canonical request, as both sides build it; `headerValue` gives each signed header's value. */
export function canonicalRequest(
  request: Tc3Request,
  signedHeaders: readonly string[],
  headerValue: (name: string) => string,
): string {
  const names = [...signedHeaders].sort();
  const headers = names.map((name) => `${name}:${headerValue(name)}\n`).join('');
  const payloadHash =
    request.headers['x-tc-content-sha256'] === 'UNSIGNED-PAYLOAD'
      ? sha256Hex('UNSIGNED-PAYLOAD')
      : sha256Hex(request.body);
  const query = request.method === 'GET' ? request.rawQuery : '';
  return [request.method, '/', query, headers, names.join(';'), payloadHash].join('\n');
}

/** The 64-hex signature of a canonical request. */
export function tc3Signature(canonical: string, input: Tc3SignInput): string {
  const scope = `${input.date}/${input.service}/tc3_request`;
  const toSign = [TC3_ALGORITHM, String(input.timestamp), scope, sha256Hex(canonical)].join('\n');
  const secretDate = hmac(`TC3${input.secretKey}`, input.date);
  const secretService = hmac(secretDate, input.service);
  const secretSigning = hmac(secretService, 'tc3_request');
  return createHmac('sha256', secretSigning).update(toSign).digest('hex');
}

export type Tc3Verdict =
  | { readonly ok: true; readonly secretId: string }
  | { readonly ok: false; readonly code: Tc3FailureCode; readonly message: string };

export type Tc3FailureCode =
  | 'AuthFailure.InvalidAuthorization'
  | 'AuthFailure.SecretIdNotFound'
  | 'AuthFailure.SignatureExpire'
  | 'AuthFailure.SignatureFailure';

/**
 * Checks a request against the known SecretId → SecretKey pairs at `nowSeconds`. Every variant an
 * official SDK may have signed (host with or without port; header values verbatim or lower-cased) is
 * tried, each compared in constant time.
 */
export function verifyTc3(
  request: Tc3Request,
  secrets: ReadonlyMap<string, string>,
  nowSeconds: number,
): Tc3Verdict {
  const header = request.headers.authorization;
  const auth = header === undefined ? undefined : parseTc3Authorization(header);
  if (!auth) {
    return fail(
      'AuthFailure.InvalidAuthorization',
      'Authorization is missing or is not a TC3-HMAC-SHA256 header.',
    );
  }
  const timestampText = request.headers['x-tc-timestamp'] ?? '';
  if (!/^\d{1,12}$/.test(timestampText)) {
    return fail('AuthFailure.InvalidAuthorization', 'X-TC-Timestamp must be UNIX seconds.');
  }
  const timestamp = Number(timestampText);
  if (Math.abs(nowSeconds - timestamp) > MAX_CLOCK_SKEW_SECONDS) {
    return fail(
      'AuthFailure.SignatureExpire',
      'Signature expired: X-TC-Timestamp is more than 5 minutes off the server clock.',
    );
  }
  const secretKey = secrets.get(auth.secretId);
  if (secretKey === undefined) return fail('AuthFailure.SecretIdNotFound', 'The SecretId is not known.');
  const names = auth.signedHeaders;
  if (!names.includes('content-type') || !names.includes('host')) {
    return fail('AuthFailure.InvalidAuthorization', 'SignedHeaders must include content-type and host.');
  }
  if (auth.date !== new Date(timestamp * 1000).toISOString().slice(0, 10)) {
    return signatureFailure();
  }
  const given = Buffer.from(auth.signature, 'hex');
  const input: Tc3SignInput = {
    secretKey,
    timestamp,
    date: auth.date,
    service: auth.service,
    signedHeaders: names,
  };
  const host = (request.headers.host ?? '').trim();
  const hosts = host === withoutPort(host) ? [host] : [withoutPort(host), host];
  let matched = false;
  for (const hostValue of hosts) {
    for (const lowerCase of [false, true]) {
      const value = (name: string): string => {
        const raw = name === 'host' ? hostValue : (request.headers[name] ?? '').trim();
        return lowerCase ? raw.toLowerCase() : raw;
      };
      const expected = Buffer.from(tc3Signature(canonicalRequest(request, names, value), input), 'hex');
      // Every candidate is computed and compared: how many were tried tells nothing about the key.
      if (timingSafeEqual(expected, given)) matched = true;
    }
  }
  return matched ? { ok: true, secretId: auth.secretId } : signatureFailure();
}

function withoutPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 || host.indexOf(':') !== colon ? host : host.slice(0, colon);
}

function signatureFailure(): Tc3Verdict {
  return fail(
    'AuthFailure.SignatureFailure',
    'The provided credentials could not be validated. Please check your signature is correct.',
  );
}

function fail(code: Tc3FailureCode, message: string): Tc3Verdict {
  return { ok: false, code, message };
}
