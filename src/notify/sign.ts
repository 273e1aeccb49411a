/**
 * Callback signatures. `sign = md5(key + t)` is the Tencent contract (t = the notification's expiry in
 * UNIX seconds, as a decimal string); it covers no body, so we add an HMAC-SHA256 over the raw body.
 */
import { createHash, createHmac } from 'node:crypto';

/** How far ahead of the attempt `t` lies: Tencent's observed 10 minutes. */
export const CALLBACK_EXPIRY_SEC = 600;

/** Lowercase hex `md5(key + t)`. */
export function legacySign(key: string, t: number): string {
  return createHash('md5').update(`${key}${t}`).digest('hex');
}

/** The `X-LiveTape-Signature` header value: `sha256=<hex HMAC-SHA256(key, body)>`. */
export function bodySignature(key: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', key).update(rawBody).digest('hex')}`;
}

/**
 * The body of one attempt: the stored payload (a JSON object without `t`/`sign`) with `t` and `sign`
 * appended. Splicing text keeps the stored payload byte for byte; no parse per attempt.
 */
export function signedBody(payload: string, key: string, nowMs: number): string {
  if (!payload.endsWith('}') || payload.length < 3)
    throw new TypeError('payload must be a non-empty JSON object');
  const t = Math.floor(nowMs / 1000) + CALLBACK_EXPIRY_SEC;
  return `${payload.slice(0, -1)},"t":${t},"sign":"${legacySign(key, t)}"}`;
}
