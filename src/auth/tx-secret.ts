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

/** Uppercase hex, as Tencent's sample code writes it (`5C271099`). */
export function formatTxTime(unixSeconds: number): string {
  if (!Number.isSafeInteger(Math.floor(unixSeconds)) || unixSeconds < 0) {
    throw new RangeError(`txTime must be a non-negative UNIX time in seconds, got ${unixSeconds}`);
  }
  return Math.floor(unixSeconds).toString(16).toUpperCase();
}

// Ten decimal digits is year 2001 onwards; as hex it would be past year 36000, so the reading is unambiguous.
const DECIMAL_TX_TIME = /^\d{10,15}$/;
const HEX_TX_TIME = /^[0-9a-f]{1,13}$/i;

/** UNIX seconds from a txTime: hex in either case, or decimal when it is all digits and ≥ 10 long. */
export function parseTxTime(txTime: string): number | undefined {
  if (DECIMAL_TX_TIME.test(txTime)) return Number(txTime);
  if (HEX_TX_TIME.test(txTime)) return Number.parseInt(txTime, 16);
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
}

const MD5_HEX = /^[0-9a-f]{32}$/;

/**
 * Checks in the order of Tencent's sub-codes. The txTime string is hashed exactly as received, since
 * clients send it in either case; txSecret is compared case-insensitively and in constant time.
 */
export function verifyPublishAuth({ keys, streamName, query, nowSeconds }: PublishAuthRequest): AuthResult {
  if (keys.length === 0) return { ok: true };
  const txTime = query.get('txTime') ?? '';
  if (txTime === '') return fail('missing_time', 'txTime parameter is missing');
  const expiry = parseTxTime(txTime);
  if (expiry === undefined) {
    return fail('missing_time', `txTime "${txTime.slice(0, 32)}" is not a hex or decimal UNIX time`);
  }
  if (nowSeconds > expiry) return fail('expired', `txTime expired at ${isoSeconds(expiry)}`);
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
