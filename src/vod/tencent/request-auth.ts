/**
 * The front-end checks of a `common_access` request (spec §4.1, §4.4): the caller's APPID (`appid`, or
 * its alias `cmd`), then `sign = md5(API key + t)` under any configured key, then `t`, the request's
 * expiry in decimal UNIX seconds.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FrontEndError } from './envelope.js';

export interface ApiAuthConfig {
  /** APPID; '' accepts any caller id. */
  readonly appid: string;
  /** API keys; none disables the API (every request is refused as `appid is invalid`). */
  readonly apiKeys: readonly string[];
}

/** `md5(key + t)`, lowercase hex: the API and callback signature. */
export function apiSign(key: string, t: string): string {
  return createHash('md5')
    .update(key + t, 'utf8')
    .digest('hex');
}

const DECIMAL_T = /^\d{1,12}$/;
/**
 * How far ahead `t` may be. The reference service does not bound it, so a signature made once worked for
 * ever; a client makes `t` a few minutes ahead of each request.
 */
export const MAX_T_AHEAD_SEC = 15 * 60;
const MD5_HEX = /^[0-9a-f]{32}$/;

/** The refusal for this request, or undefined when it may proceed. */
export function checkRequestAuth(
  query: URLSearchParams,
  config: ApiAuthConfig,
  nowSeconds: number,
): FrontEndError | undefined {
  if (config.apiKeys.length === 0) return 'appid is invalid';
  const appid = query.get('appid');
  const cmd = query.get('cmd');
  if (appid !== null) {
    if (!callerMatches(appid, config.appid)) return 'appid is invalid';
  } else if (cmd !== null) {
    if (!callerMatches(cmd, config.appid)) return 'cmd is invalid';
  } else {
    return 'appid is invalid';
  }
  const t = query.get('t') ?? '';
  const sign = (query.get('sign') ?? '').toLowerCase();
  if (!DECIMAL_T.test(t) || !MD5_HEX.test(sign)) return 'sign invalid';
  const received = Buffer.from(sign, 'latin1');
  let matched = false;
  for (const key of config.apiKeys) {
    // No early exit: the time taken does not depend on which key, if any, matched.
    matched = timingSafeEqual(Buffer.from(apiSign(key, t), 'latin1'), received) || matched;
  }
  if (!matched) return 'sign invalid';
  if (nowSeconds > Number(t)) return 'time expired';
  // Not a contract message of its own: a `t` this far ahead is an invalid signed request.
  if (Number(t) - nowSeconds > MAX_T_AHEAD_SEC) return 'sign invalid';
  return undefined;
}

function callerMatches(value: string, appid: string): boolean {
  return value !== '' && (appid === '' || value === appid);
}
