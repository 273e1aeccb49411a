/**
 * The address a client used to reach this server (scheme + `Host`), for the URLs handed out in answer to
 * it while PUBLIC_URL is not set: a console opened at `http://192.168.1.20:8080` then gets players,
 * downloads and push URLs at that address rather than `localhost`, which only works on the server itself.
 * Callbacks are not answers to a request and keep the configured (or derived) base.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

export interface RequestAddress {
  /** `http://host:port`, as a browser writes an origin. */
  readonly origin: string;
  /** The host alone (IPv6 in brackets), for URLs on other ports such as RTMP's. */
  readonly hostname: string;
}

const current = new AsyncLocalStorage<RequestAddress>();

/** `Host` as browsers and encoders send it: a name or IP, an optional port; nothing else. */
const HOST_HEADER = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export function requestAddress(scheme: string, host: string | undefined): RequestAddress | undefined {
  if (host === undefined || !HOST_HEADER.test(host) || !URL.canParse(`${scheme}://${host}`)) return undefined;
  const url = new URL(`${scheme}://${host}`);
  return { origin: url.origin, hostname: url.hostname };
}

export function registerRequestAddress(app: FastifyInstance): void {
  // preHandler calls the handler from its callback, after the body was parsed (stream events there would
  // leave the context), so everything the handler awaits sees the address.
  app.addHook('preHandler', (request, _reply, done) => {
    const address = requestAddress(request.protocol, request.headers.host);
    if (address === undefined) done();
    else current.run(address, done);
  });
}

/** The address of the request being answered, if this runs on behalf of one. */
export function currentRequestAddress(): RequestAddress | undefined {
  return current.getStore();
}
