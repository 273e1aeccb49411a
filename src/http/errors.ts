/**
 * The one catalogue of HTTP errors: every route says no with a code from here, so the code always comes
 * with the same status and body shape (`{ "error": code, "message": "…" }`, docs/api.md "Errors").
 */
import type { FastifyReply } from 'fastify';

export const HTTP_ERRORS = {
  bad_request: { status: 400, meaning: 'a parameter is missing or malformed; the message names it' },
  unauthorized: { status: 401, meaning: 'no valid credential (API token, console session, API key)' },
  forbidden: { status: 403, meaning: 'a credential or signature is missing, expired or not good for this' },
  not_found: { status: 404, meaning: 'no such route, recording, broadcast or file' },
  not_live: { status: 404, meaning: 'the stream is not being published now' },
  no_hls_recording: { status: 404, meaning: 'the broadcast has no HLS recording to replay as one playlist' },
  conflict: {
    status: 409,
    meaning: 'the resource is not in a state that allows this (e.g. still recording)',
  },
  uri_too_long: { status: 414, meaning: 'a path parameter is longer than allowed' },
  payload_too_large: { status: 413, meaning: 'the request body is larger than allowed' },
  unsupported_media_type: { status: 415, meaning: 'the request body is not JSON' },
  unsupported_codec: { status: 415, meaning: 'live HLS cannot carry the codec of this stream' },
  range_not_satisfiable: { status: 416, meaning: 'the byte range lies outside the file' },
  too_many_requests: { status: 429, meaning: 'too many attempts from this client; wait and retry' },
  internal_error: { status: 500, meaning: 'the server failed; details are in its log' },
  service_unavailable: { status: 503, meaning: 'the server is busy or shutting down; retry' },
  not_ready: { status: 503, meaning: 'not ready yet (no live segment so far); retry shortly' },
} as const satisfies Record<string, { readonly status: number; readonly meaning: string }>;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

/** The HTTP status of an error code. */
export function statusOf(code: HttpErrorCode): number {
  return HTTP_ERRORS[code].status;
}

/** Answers with a catalogued error; `extra` adds fields (e.g. the files of a replay without HLS). */
export function sendError(
  reply: FastifyReply,
  code: HttpErrorCode,
  message: string,
  extra: Readonly<Record<string, unknown>> = {},
): FastifyReply {
  return reply.code(statusOf(code)).send({ error: code, message, ...extra });
}

/** The catalogue code of a status a framework error carries (a body too large, a bad URL…). */
export function codeOfStatus(status: number): HttpErrorCode {
  if (status === 503) return 'service_unavailable';
  if (status >= 500) return 'internal_error';
  const found = (Object.keys(HTTP_ERRORS) as HttpErrorCode[]).find(
    (code) => HTTP_ERRORS[code].status === status,
  );
  return found ?? 'bad_request';
}
