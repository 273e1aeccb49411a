/**
 * The JSON envelope of Tencent's `common_access` API (spec §4.1, §4.4), in the key order of the captured
 * real response: `errmsg`, `message`, `ret`, `retcode`, then `output`.
 */

/** Back-end return codes (spec §4.4); these are answered with HTTP 200. */
export const RET = {
  ok: 0,
  invalidParam: 1204,
  internalError: 1201,
  queryDataEmpty: 10003,
  neverPushed: 20601,
} as const;

/**
 * Front-end refusals (spec §4.4: HTTP 403 with one of these texts). The body shape of these is not
 * documented; ours is the usual envelope with `ret` 403, so a client that checks `ret` sees a failure.
 */
export type FrontEndError = 'appid is invalid' | 'cmd is invalid' | 'sign invalid' | 'time expired';
export const FRONT_END_RET = 403;

export interface CommonAccessBody {
  readonly errmsg: string;
  readonly message: string;
  readonly ret: number;
  readonly retcode: number;
  readonly output?: unknown;
}

export const SUCCESS_MESSAGE = 'return successfully!';

export function success(output: unknown): CommonAccessBody {
  return envelope(RET.ok, SUCCESS_MESSAGE, output);
}

export function failure(ret: number, message: string, output?: unknown): CommonAccessBody {
  return envelope(ret, message, output);
}

function envelope(ret: number, message: string, output: unknown): CommonAccessBody {
  const body = { errmsg: message, message, ret, retcode: ret };
  return output === undefined ? body : { ...body, output };
}
