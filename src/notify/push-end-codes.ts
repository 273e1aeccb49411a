/**
 * Why a push ended, as Tencent's disconnect `errcode`/`errmsg` (legacy table: 1–4 client side, 18 auth
 * failure). Ends Tencent has no code for get LiveTape's own codes from 20 up, outside the legacy range.
 */
import type { EndReason } from '../live/live-stream.js';

export interface PushEndCode {
  readonly errcode: number;
  readonly errmsg: string;
}

const RECV_ERROR: PushEndCode = { errcode: 4, errmsg: 'recv() return error' };

const END_CODES: Readonly<Record<EndReason, PushEndCode>> = {
  deleteStream: { errcode: 1, errmsg: 'recv rtmp deleteStream' },
  closeStream: { errcode: 2, errmsg: 'recv rtmp closeStream' },
  socketClosed: { errcode: 3, errmsg: 'recv() return 0' },
  socketError: RECV_ERROR,
  idleTimeout: RECV_ERROR,
  protocolError: RECV_ERROR,
  kicked: { errcode: 20, errmsg: 'kicked by server' },
  shutdown: { errcode: 21, errmsg: 'server shutdown' },
};

/** A publish refused by authentication or by its push-URL parameters; no push-started event precedes it. */
export const PUBLISH_REJECTED: PushEndCode = { errcode: 18, errmsg: 'push url maybe invalid' };

/** A push its node lost in a crash, closed when that node starts again. */
export const PUSH_LOST_IN_CRASH: PushEndCode = { errcode: 22, errmsg: 'server crashed' };

export function pushEndCode(reason: EndReason): PushEndCode {
  return END_CODES[reason];
}
