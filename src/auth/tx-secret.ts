/**
 * Tencent LVB anti-leech signing (spec §1.1): `txSecret = md5(key + streamName + txTime)`, lowercase hex,
 * where `txTime` is the URL's expiry in UNIX seconds, written in hex. The app name is not signed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function signTxSecret(key: string, streamName: string, txTime: string): string {
  return createHash('md5')
    .update(key + streamName + txTime, 'utf8')
    .digest('hex');
}

const MAX_TX_TIME = 0xffffffff;

/** 8 uppercase hex digits, as Tencent's sample code writes it (`5C271099`). */
export function formatTxTime(unixSeconds: number): string {
  const seconds = Math.floor(unixSeconds);
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > MAX_TX_TIME) {
    throw new RangeError(`txTime must be a 32-bit UNIX time in seconds, got ${unixSeconds}`);
  }
  return seconds.toString(16).toUpperCase().padStart(8, '0');
}

/**
 * Exactly 8 hex digits, a 32-bit UNIX time, as the reference contract writes it. The signature has no
 * separator between the stream name and txTime, so a txTime of any other length would let the signature
 * of `studio2` + `6B130030` also sign `studio` + `26B130030` (an expiry centuries ahead). Fixing the
 * length makes that shift change the form, which is then refused.
 */
const HEX_TX_TIME = /^[0-9a-f]{8}$/i;
/** The legacy decimal form: 10 digits, i.e. 2001-09-09 to 2286; the expiry bound below narrows it further. */
const DECIMAL_TX_TIME = /^[1-9]\d{9}$/;

/** How far ahead a signature may expire unless configured (SIGNATURE_MAX_TTL): one year. */
export const DEFAULT_MAX_SIGNATURE_TTL_SEC = 365 * 24 * 60 * 60;

/** UNIX seconds from a txTime: 8 hex digits in either case, or a 10-digit decimal UNIX time. */
export function parseTxTime(txTime: string): number | undefined {
  if (HEX_TX_TIME.test(txTime)) return Number.parseInt(txTime, 16);
  if (DECIMAL_TX_TIME.test(txTime)) return Number(txTime);
  return undefined;
}

export type AuthFailureReason = 'missing_time' | 'expired' | 'missing_secret' | 'bad_signature';

export type AuthResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: AuthFailureReason;
      /** Disconnect `sub_errcode` under errcode 18 (spec §1.1). */
      readonly subErrcode: 500 | 501 | 502 | 503;
      /** For logs and the client: names the reason, e.g. `txTime expired at 2026-11-24T10:00:00Z`. */
      readonly description: string;
    };

const SUB_ERRCODES = { missing_time: 500, expired: 501, missing_secret: 502, bad_signature: 503 } as const;

function fail(reason: AuthFailureReason, description: string): AuthResult {
  return { ok: false, reason, subErrcode: SUB_ERRCODES[reason], description };
}

export interface PublishAuthRequest {
  /** Primary first, then backups; any of them may have signed. Empty turns the check off. */
  readonly keys: readonly string[];
  readonly streamName: string;
  readonly query: URLSearchParams;
  readonly nowSeconds: number;
  /** Expiries further ahead than this are refused (a leaked URL must not play for ever). */
  readonly maxTtlSeconds?: number;
}

const MD5_HEX = /^[0-9a-f]{32}$/;

/**
 * Checks in the order of Tencent's sub-codes. The txTime string is hashed exactly as received, since
 * clients send it in either case; txSecret is compared case-insensitively and in constant time.
 */
export function verifyPublishAuth({
  keys,
  streamName,
  query,
  nowSeconds,
  maxTtlSeconds = DEFAULT_MAX_SIGNATURE_TTL_SEC,
}: PublishAuthRequest): AuthResult {
  if (keys.length === 0) return { ok: true };
  const txTime = query.get('txTime') ?? '';
  if (txTime === '') return fail('missing_time', 'txTime parameter is missing');
  const expiry = parseTxTime(txTime);
  if (expiry === undefined) {
    return fail(
      'missing_time',
      `txTime "${txTime.slice(0, 32)}" is not a UNIX time in 8 hex digits (or 10 decimal digits)`,
    );
  }
  if (nowSeconds > expiry) return fail('expired', `txTime expired at ${isoSeconds(expiry)}`);
  if (expiry - nowSeconds > maxTtlSeconds) {
    return fail(
      'missing_time',
      `txTime ${isoSeconds(expiry)} is further ahead than the ${maxTtlSeconds} s a signature may last (SIGNATURE_MAX_TTL)`,
    );
  }
  const txSecret = (query.get('txSecret') ?? '').toLowerCase();
  if (txSecret === '') return fail('missing_secret', 'txSecret parameter is missing');
  if (!MD5_HEX.test(txSecret)) return fail('bad_signature', 'txSecret is not 32 hex digits');
  const received = Buffer.from(txSecret, 'latin1');
  let matched = false;
  for (const key of keys) {
    const expected = Buffer.from(signTxSecret(key, streamName, txTime), 'latin1');
    // No early exit: the time taken does not depend on which key, if any, matched.
    matched = timingSafeEqual(expected, received) || matched;
  }
  return matched ? { ok: true } : fail('bad_signature', 'txSecret does not match any push key');
}

/** `2026-11-24T10:00:00Z`, for expiry times shown to people. */
export function isoSeconds(unixSeconds: number): string {
  const date = new Date(unixSeconds * 1000);
  return Number.isNaN(date.getTime())
    ? `${unixSeconds} (UNIX seconds)`
    : date.toISOString().replace('.000Z', 'Z');
}
