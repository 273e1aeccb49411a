/**
 * Issue 11, HTTP attacks against a real server over real sockets (the default settings: no API_TOKENS):
 * - loopback naming a foreign host (DNS rebinding, or a proxy/tunnel without forwarding headers) must
 *   not be trusted with the API.
 */
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with exactly these headers (fetch would not let a test set Host). */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString() }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('loopback trust (no API_TOKENS)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ PUSH_KEY: 'push-secret', PLAY_KEY: 'play-secret' });
  });
  afterAll(() => t.close());

  const keys = (headers: Record<string, string>) =>
    send(t.server.httpPort, 'GET', '/api/v1/settings/keys', headers);

  it('answers a client on this machine that names this machine', async () => {
    for (const host of ['localhost', `127.0.0.1:${t.server.httpPort}`, `localhost:${t.server.httpPort}`]) {
      const answer = await keys({ host });
      expect(answer.status, host).toBe(200);
      expect(answer.body).toContain('push-secret');
    }
  });

  it.each<Record<string, string>>([
    { host: 'evil.example' },
    { host: 'evil.example', origin: 'http://evil.example' },
    { host: `evil.example:${8080}`, origin: 'http://evil.example:8080' },
    { host: '127.0.0.1.evil.example' },
    { host: 'localhost', 'x-forwarded-for': '203.0.113.7' },
    { host: 'localhost', forwarded: 'for=203.0.113.7' },
  ])('refuses loopback naming a foreign host or forwarded: %j', async (headers) => {
    const answer = await keys(headers);
    expect(answer.status).toBe(403);
    expect(answer.body).not.toContain('push-secret');
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'forbidden' });
  });

  it('refuses a write from a rebound page (foreign Host and Origin)', async () => {
    const answer = await send(
      t.server.httpPort,
      'PUT',
      '/api/v1/settings/keys',
      { host: 'evil.example', origin: 'http://evil.example', 'content-type': 'application/json' },
      JSON.stringify({ push: [] }),
    );
    expect(answer.status).toBe(403);
  });
});

describe('one way to say no', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it.each([
    ['/api/v1/no-such-thing', 404, 'not_found'],
    ['/api/v1/recordings/1/nope', 404, 'not_found'],
    ['/nowhere', 404, 'not_found'],
    ['/live/live/cam%zz.flv', 400, 'bad_request'],
  ])('answers %s with %i %s in the documented shape', async (path, status, error) => {
    const answer = await send(t.server.httpPort, 'GET', path, { host: 'localhost' });
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toContain('application/json');
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    expect(body.error).toBe(error);
  });
});

describe('response hardening', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it.each(['/api/v1/recordings', '/vod/live/x/none.mp4', '/live/live/none.flv', '/healthz', '/nowhere'])(
    'sends nosniff on %s',
    async (path) => {
      const answer = await send(t.server.httpPort, 'GET', path, { host: 'localhost' });
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    },
  );

  it('gives pages a CSP without plugins, <base> or foreign form targets', async () => {
    for (const path of ['/console', '/watch']) {
      const answer = await send(t.server.httpPort, 'GET', path, { host: 'localhost' });
      const csp = String(answer.headers['content-security-policy'] ?? '');
      expect(answer.status, path).toBe(200);
      for (const directive of ["object-src 'none'", "base-uri 'none'", "form-action 'self'"])
        expect(csp, path).toContain(directive);
    }
  });
});

describe('HTTP_MAX_CONNECTIONS', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ HTTP_MAX_CONNECTIONS: '2' });
  });
  afterAll(() => t.close());

  it('drops connections past the cap and serves again once one closes', async () => {
    const open = () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect(t.server.httpPort, '127.0.0.1', () => resolve(socket));
        socket.on('error', reject);
      });
    const held = [await open(), await open()];
    // Make sure the server has counted both before the third arrives.
    for (const socket of held) socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await Promise.all(held.map((socket) => once(socket, 'data')));
    const third = await open();
    third.on('error', () => {});
    await once(third, 'close');
    for (const socket of held) socket.destroy();
    await expect
      .poll(async () => (await fetch(t.httpUrl('/healthz')).catch(() => undefined))?.status, {
        timeout: 10_000,
      })
      .toBe(200);
  });
});
