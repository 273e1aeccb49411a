/**
 * Signed playback (spec §1.2): with PLAY_KEY set, every play URL — VOD files, replays, live HTTP-FLV and
 * HLS, RTMP play — needs `txSecret`/`txTime` made like a push signature, with the play key, over the
 * stream name. The checks are those of push auth; only the wording names the play key.
 */
import { DEFAULT_MAX_SIGNATURE_TTL_SEC, verifyPublishAuth } from '../auth/tx-secret.js';
import type { GuardVerdict, SessionAttempt } from '../rtmp/session.js';

export type PlayVerdict = { readonly ok: true } | { readonly ok: false; readonly message: string };

const SIGNATURE_PARAMS = ['txSecret', 'txTime'] as const;
const BAD_SIGNATURE = 'signed playback: txSecret does not match the play key';
/** No stream is called this (names cannot hold NUL), so no signature is made for it. */
const UNSIGNABLE_NAME = '\u0000';

export class PlayGuard {
  constructor(
    /** The play keys in force now (they change at run time: see KeyRing). */
    private readonly keys: () => readonly string[],
    /** SIGNATURE_MAX_TTL: a txTime further ahead is refused. */
    private readonly maxTtlSeconds: number = DEFAULT_MAX_SIGNATURE_TTL_SEC,
    private readonly nowMs: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.keys().length > 0;
  }

  check(streamName: string, query: URLSearchParams): PlayVerdict {
    const auth = verifyPublishAuth({
      keys: this.keys(),
      streamName,
      query,
      nowSeconds: Math.floor(this.nowMs() / 1000),
      maxTtlSeconds: this.maxTtlSeconds,
    });
    if (auth.ok) return auth;
    return {
      ok: false,
      message: auth.reason === 'bad_signature' ? BAD_SIGNATURE : `signed playback: ${auth.description}`,
    };
  }

  /**
   * The answer for a request whose target does not exist: what a wrong signature gets, so that a client
   * without a valid signature cannot tell a missing recording from a protected one.
   */
  refuseUnknown(query: URLSearchParams): PlayVerdict {
    const verdict = this.check(UNSIGNABLE_NAME, query);
    return verdict.ok ? { ok: false, message: BAD_SIGNATURE } : verdict;
  }
}

/**
 * The signature of a play request, to carry onto the URIs of a playlist served to it so the player's
 * segment requests pass the same check; '' when the request had none (or signing is off).
 */
export function signatureQuery(query: URLSearchParams): string {
  const out = new URLSearchParams();
  for (const name of SIGNATURE_PARAMS) {
    const value = query.get(name);
    if (value !== null) out.set(name, value);
  }
  return out.toString();
}

/** The query of a raw request URL, exactly as sent (Fastify's parsed query folds repeated keys). */
export function queryOf(url: string): URLSearchParams {
  const q = url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
}

/** RTMP play (`rtmp://host/app/stream?txSecret=…&txTime=…`), answered in the session's terms. */
export function rtmpPlayVerdict(guard: PlayGuard, attempt: SessionAttempt): GuardVerdict {
  const verdict = guard.check(attempt.address.stream, attempt.address.query);
  return verdict.ok ? verdict : { ok: false, code: 'NetStream.Play.Failed', description: verdict.message };
}
