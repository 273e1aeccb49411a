import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttemptRequest,
  isAcknowledged,
  keptResponse,
  MAX_KEPT_RESPONSE_CHARS,
  postCallback,
} from './http-attempt.js';

let server: Server;
let base: string;
const received: { headers: IncomingMessage['headers']; body: string; method?: string }[] = [];
const routes: Record<string, (res: ServerResponse) => void> = {
  '/ok': (res) => res.end('{"code":0}'),
  '/ok-not-legacy': (res) => res.end('{"code":1}'),
  '/fail': (res) => {
    res.statusCode = 500;
    res.end('broken');
  },
  '/redirect': (res) => {
    res.writeHead(302, { location: '/ok' });
    res.end();
  },
  '/slow': () => {},
  '/huge': (res) => res.end('x'.repeat(5 * 1024 * 1024)),
  // Never ends on its own: only a client that drops the connection gets its result.
  '/endless': (res) => {
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const more = () => {
      while (!res.destroyed && res.write(chunk)) endless.sent += chunk.length;
    };
    res.on('drain', more);
    res.on('close', () => endless.onClose());
    more();
  },
};
const endless = { sent: 0, onClose: () => {} };
const endlessClosed = new Promise<void>((resolve) => {
  endless.onClose = resolve;
});

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body, method: req.method });
      routes[req.url ?? '']?.(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function request(path: string, patch: Partial<AttemptRequest> = {}): AttemptRequest {
  return {
    url: base + path,
    body: '{"event_type":1}',
    headers: { 'content-type': 'application/json', 'x-livetape-event-id': '42' },
    timeoutMs: 2000,
    signal: new AbortController().signal,
    ...patch,
  };
}

describe('one delivery attempt', () => {
  it('POSTs the body as JSON with our headers and reads the answer', async () => {
    const result = await postCallback(request('/ok'));
    expect(result).toEqual({ status: 200, error: null, response: '{"code":0}', interrupted: false });
    const last = received.at(-1)!;
    expect(last.method).toBe('POST');
    expect(last.body).toBe('{"event_type":1}');
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers['x-livetape-event-id']).toBe('42');
  });

  it('does not follow redirects', async () => {
    const before = received.length;
    const result = await postCallback(request('/redirect'));
    expect(result.status).toBe(302);
    expect(isAcknowledged(result, false)).toBe(false);
    expect(received.length).toBe(before + 1);
  });

  it('reports a timeout, a refused connection and an error status', async () => {
    expect(await postCallback(request('/slow', { timeoutMs: 200 }))).toMatchObject({
      status: null,
      error: 'no answer within 0.2 s',
      interrupted: false,
    });
    const refused = await postCallback(request('/ok', { url: 'http://127.0.0.1:1/' }));
    expect(refused.error).toMatch(/ECONNREFUSED/);
    expect(await postCallback(request('/fail'))).toMatchObject({ status: 500, response: 'broken' });
  });

  it('is interrupted by its signal (shutdown), which is not a failure of the receiver', async () => {
    const stop = new AbortController();
    const pending = postCallback(request('/slow', { signal: stop.signal }));
    setTimeout(() => stop.abort(), 50);
    expect(await pending).toMatchObject({ status: null, interrupted: true });
  });

  it('reads only the start of a huge answer, and keeps less', async () => {
    const result = await postCallback(request('/huge'));
    expect(result.status).toBe(200);
    expect(result.response!.length).toBeLessThanOrEqual(64 * 1024);
    expect(keptResponse(result.response)!.length).toBe(MAX_KEPT_RESPONSE_CHARS);
  });

  it('drops the connection of an answer that never ends once it has read enough', async () => {
    // Without the early destroy the attempt could only end by timing out (an error, not a 200).
    const result = await postCallback(request('/endless', { timeoutMs: 20_000 }));
    expect(result).toMatchObject({ status: 200, error: null, interrupted: false });
    expect(result.response!.length).toBe(64 * 1024);
    await endlessClosed;
    expect(endless.sent).toBeLessThan(16 * 1024 * 1024); // the socket buffers, not the whole stream
  });

  it('counts HTTP 200 as success; strict mode also wants {"code":0}', async () => {
    const ok = await postCallback(request('/ok'));
    const notLegacy = await postCallback(request('/ok-not-legacy'));
    expect([isAcknowledged(ok, false), isAcknowledged(ok, true)]).toEqual([true, true]);
    expect([isAcknowledged(notLegacy, false), isAcknowledged(notLegacy, true)]).toEqual([true, false]);
  });

  it('judges any answer body without throwing', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: null }), fc.boolean(), (response, strict) => {
        const verdict = isAcknowledged({ status: 200, error: null, response }, strict);
        expect(typeof verdict).toBe('boolean');
      }),
    );
  });
});
