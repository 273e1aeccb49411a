/**
 * One delivery attempt over HTTP: POST the body, read (the start of) the answer. Redirects are not
 * followed (a 3xx is a failure: the customer's URL is wrong, and following it could leak the event
 * elsewhere); private addresses are allowed, the receiver is the customer's own backend. node:http
 * rather than fetch: fetch refuses "bad ports" (6000, 6667…) that a customer's backend may well use.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AttemptOutcome } from '../catalog/notifications.js';

export interface AttemptRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** For the whole exchange, answer body included. */
  readonly timeoutMs: number;
  /** Aborted when the server shuts down; the attempt then counts as interrupted. */
  readonly signal: AbortSignal;
}

export interface AttemptResult extends AttemptOutcome {
  /** Stopped by `signal`: whether the receiver got it is unknown. */
  readonly interrupted: boolean;
}

/** How much of the answer is read: enough for `{"code":0}` with any padding a framework adds. */
const MAX_READ_BYTES = 64 * 1024;
/** How much of the answer is kept in the delivery log. */
/**
 * Short on purpose: a callback URL may point anywhere the server can reach (an internal address), and
 * the delivery log shows what answered; enough to recognise an error, too little to read a page through.
 */
export const MAX_KEPT_RESPONSE_CHARS = 200;

export type PostCallback = (request: AttemptRequest) => Promise<AttemptResult>;

const TRANSPORTS: Readonly<Record<string, typeof httpRequest>> = {
  'http:': httpRequest,
  'https:': httpsRequest,
};

export const postCallback: PostCallback = async (request) => {
  const first = await postOnce(request);
  // A kept-alive connection the receiver closed just as we reused it: the request never reached it.
  return first.staleConnection ? postOnce(request) : first;
};

function postOnce(request: AttemptRequest): Promise<AttemptResult & { staleConnection?: boolean }> {
  return new Promise((resolve) => {
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const signal = AbortSignal.any([request.signal, timeout]);
    let settled = false;
    const settle = (result: AttemptResult & { staleConnection?: boolean }) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const fail = (error: unknown, staleConnection = false) => {
      if (request.signal.aborted)
        return settle({ status: null, error: 'interrupted', response: null, interrupted: true });
      const message = timeout.aborted ? `no answer within ${request.timeoutMs / 1000} s` : describe(error);
      settle({ status: null, error: message, response: null, interrupted: false, staleConnection });
    };
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return fail(new Error(`invalid URL ${request.url}`));
    }
    const send = TRANSPORTS[url.protocol];
    if (send === undefined) return fail(new Error(`unsupported URL scheme ${url.protocol}`));
    const body = Buffer.from(request.body);
    const outgoing = send(
      url,
      { method: 'POST', headers: { ...request.headers, 'content-length': body.length }, signal },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () =>
          settle({
            status: response.statusCode ?? null,
            error: null,
            response: Buffer.concat(chunks).subarray(0, MAX_READ_BYTES).toString('utf8'),
            interrupted: false,
          });
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size < MAX_READ_BYTES) return;
          // The rest is not wanted: dropping the connection beats draining a huge answer.
          finish();
          response.destroy();
        });
        response.on('end', finish);
        response.on('error', fail);
        response.on('close', () => fail(new Error('answer cut short')));
      },
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      fail(error, outgoing.reusedSocket && error.code === 'ECONNRESET'),
    );
    outgoing.end(body);
  });
}

/** HTTP 200 is the current contract; strict mode also wants the legacy body `{"code":0}`. */
export function isAcknowledged(outcome: AttemptOutcome, strict: boolean): boolean {
  if (outcome.status !== 200) return false;
  if (!strict) return true;
  try {
    const body: unknown = JSON.parse(outcome.response ?? '');
    return typeof body === 'object' && body !== null && (body as { code?: unknown }).code === 0;
  } catch {
    return false;
  }
}

/** Kept in the delivery log: the answer's start, so a huge error page does not bloat the table. */
export function keptResponse(text: string | null): string | null {
  return text === null ? null : text.slice(0, MAX_KEPT_RESPONSE_CHARS);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
