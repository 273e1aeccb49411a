import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { apiAuthorizer, isGuardedRoute, isLoopback, registerApiAuth, sameOriginWrite } from './api-auth.js';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::FFFF:7f00:1'])(
    '%s is loopback',
    (address) => {
      expect(isLoopback(address)).toBe(true);
    },
  );
  it.each([
    '10.0.0.1',
    '128.0.0.1',
    '::',
    '::2',
    '::ffff:10.0.0.1',
    '::127.0.0.1',
    'fe80::1%lo',
    'localhost',
    '',
    'garbage',
  ])('%s is not', (address) => {
    expect(isLoopback(address)).toBe(false);
  });
});

describe('isGuardedRoute', () => {
  it.each<[string | undefined, boolean]>([
    ['/api/v1/recordings', true],
    ['/api/v1/recordings/:id', true],
    ['/api/v1/notifications/:id/redeliver', true],
    ['/metrics', true],
    ['/api/v1/session', false],
    ['/healthz', false],
    ['/api/docs', false],
    ['/api/docs/openapi.json', false],
    ['/vod/*', false],
    ['/common_access', false],
    [undefined, false],
  ])('%s → %s', (url, guarded) => {
    expect(isGuardedRoute(url)).toBe(guarded);
  });
});

describe('apiAuthorizer', () => {
  const remote = { ip: '203.0.113.7', headers: {} };
  const local = { ip: '127.0.0.1', headers: { host: '127.0.0.1:8080' } };
  const bearer = (token: string, ip = remote.ip) => ({ ip, headers: { authorization: `Bearer ${token}` } });

  it('with tokens: accepts any of them, from anywhere', () => {
    const authorize = apiAuthorizer(['first-token', 'second']);
    expect(authorize(bearer('first-token'))).toEqual({ ok: true });
    expect(authorize(bearer('second'))).toEqual({ ok: true });
    expect(authorize({ ip: remote.ip, headers: { authorization: 'bearer   second ' } })).toEqual({
      ok: true,
    });
  });

  it.each([
    ['no header', remote, 'Authorization: Bearer'],
    ['no header from loopback', local, 'Authorization: Bearer'],
    ['a wrong token', bearer('first-tokeN'), 'not one of the API_TOKENS'],
    ['a prefix of a token', bearer('first'), 'not one of the API_TOKENS'],
    ['a longer token', bearer('first-token-and-more'), 'not one of the API_TOKENS'],
    [
      'another scheme',
      { ip: remote.ip, headers: { authorization: 'Basic Zmlyc3QtdG9rZW4=' } },
      'must be "Bearer <token>"',
    ],
  ])('with tokens: refuses %s with 401', (_what, request, message) => {
    const verdict = apiAuthorizer(['first-token', 'second'])(request);
    expect(verdict).toMatchObject({ ok: false, status: 401, error: 'unauthorized' });
    expect(verdict.ok === false && verdict.message).toContain(message);
  });

  it('lets in every configured token and nothing that does not contain one', () => {
    const tokenLists = fc.array(fc.stringMatching(/^[!-~]{1,40}$/), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(tokenLists, fc.nat(), fc.string(), (tokens, pick, header) => {
        const authorize = apiAuthorizer(tokens);
        expect(authorize(bearer(tokens[pick % tokens.length]!))).toEqual({ ok: true });
        const verdict = authorize({ ip: remote.ip, headers: { authorization: header } });
        if (!tokens.some((token) => header.includes(token))) expect(verdict.ok).toBe(false);
      }),
    );
  });

  it('without tokens: trusts loopback only when Host names this machine, for any Host sent', () => {
    const authorize = apiAuthorizer([]);
    const local = new Set(['localhost', '127.0.0.1', '[::1]']);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.constantFrom(
            'localhost',
            'LOCALHOST:1',
            '127.0.0.1:8080',
            '[::1]:80',
            'localhost.',
            'evil.example',
          ),
        ),
        (host) => {
          const verdict = authorize({ ip: '127.0.0.1', headers: { host } });
          if (verdict.ok) {
            const name = host.toLowerCase().replace(/:\d{1,5}$/, '');
            expect(local.has(name), host).toBe(true);
          }
        },
      ),
    );
  });

  it('without tokens: trusts loopback naming the PUBLIC_URL host too', () => {
    const authorize = apiAuthorizer([], 'https://media.example.com/');
    expect(authorize({ ip: '127.0.0.1', headers: { host: 'media.example.com' } })).toEqual({ ok: true });
    expect(authorize({ ip: '127.0.0.1', headers: { host: 'other.example.com' } })).toMatchObject({
      ok: false,
    });
  });

  it('without tokens: refuses loopback requests a page of another site sent', () => {
    const authorize = apiAuthorizer([]);
    const fromPage = (origin: string) => ({ ip: '127.0.0.1', headers: { host: '127.0.0.1:8080', origin } });
    expect(authorize(fromPage('http://127.0.0.1:8080'))).toEqual({ ok: true });
    for (const origin of ['http://evil.example', 'http://127.0.0.1:9999', 'null', 'not a url']) {
      const verdict = authorize(fromPage(origin));
      expect(verdict, origin).toMatchObject({ ok: false, status: 403, error: 'forbidden' });
      expect(verdict.ok === false && verdict.message).toContain(origin);
    }
  });

  it('without tokens: answers loopback clients only, and not through a proxy', () => {
    const authorize = apiAuthorizer([]);
    expect(authorize(local)).toEqual({ ok: true });
    expect(authorize({ ip: '::1', headers: { host: '[::1]:8080', authorization: 'Bearer x' } })).toEqual({
      ok: true,
    });
    expect(authorize({ ip: '::ffff:127.0.0.1', headers: { host: 'LocalHost' } })).toEqual({ ok: true });
    for (const request of [
      remote,
      bearer('anything'),
      { ip: '127.0.0.1', headers: { 'x-forwarded-for': '203.0.113.7' } },
      { ip: '127.0.0.1', headers: { forwarded: 'for=203.0.113.7' } },
      { ip: '127.0.0.1', headers: { host: 'localhost', 'x-real-ip': '203.0.113.7' } },
      // DNS rebinding, or a proxy or tunnel that adds no forwarding header: loopback naming another host.
      { ip: '127.0.0.1', headers: { host: 'evil.example' } },
      { ip: '127.0.0.1', headers: { host: 'localhost.evil.example:8080' } },
      { ip: '127.0.0.1', headers: { host: 'localhost@evil.example' } },
      { ip: '127.0.0.1', headers: {} },
    ]) {
      const verdict = authorize(request);
      expect(verdict).toMatchObject({ ok: false, status: 403, error: 'forbidden' });
      expect(verdict.ok === false && verdict.message).toContain('API_TOKENS');
    }
  });
});

describe('registerApiAuth on real routes', () => {
  let app: FastifyInstance;
  afterEach(() => app.close());

  async function build(tokens: string[], consoleSession = false): Promise<FastifyInstance> {
    app = Fastify();
    registerApiAuth(app, { tokens, isConsoleSession: () => consoleSession });
    for (const url of [
      '/api/v1/recordings',
      '/api/v1/recordings/:id',
      '/metrics',
      '/healthz',
      '/vod/*',
      '/api/docs/openapi.json',
    ]) {
      app.get(url, async () => ({ ok: true }));
    }
    // Registered later, in a plugin of its own, like another module's routes.
    await app.register(async (child) => {
      child.post('/api/v1/notifications/:id/redeliver', async () => ({ ok: true }));
    });
    return app;
  }

  it('guards the API and /metrics, leaves playback, health and docs open', async () => {
    await build([]);
    const from = (url: string, remoteAddress: string, method: 'GET' | 'POST' = 'GET') =>
      app.inject({ method, url, remoteAddress }).then((res) => res.statusCode);
    for (const url of ['/api/v1/recordings', '/api/v1/recordings/1', '/metrics', '/api/v1/recordings?x=1']) {
      expect(await from(url, '127.0.0.1'), url).toBe(200);
      expect(await from(url, '192.0.2.1'), url).toBe(403);
    }
    expect(await from('/api/v1/notifications/1/redeliver', '192.0.2.1', 'POST')).toBe(403);
    for (const url of ['/healthz', '/vod/a/b.mp4', '/api/docs/openapi.json'])
      expect(await from(url, '192.0.2.1'), url).toBe(200);
  });

  it('cannot be bypassed by spelling the path differently', async () => {
    await build([]);
    for (const url of [
      '/api/v1/%72ecordings',
      '/%61pi/v1/recordings',
      '/api/v1/recordings/',
      '/api/v1/recordings/%2e%2e',
    ]) {
      const res = await app.inject({ url, remoteAddress: '192.0.2.1' });
      expect([403, 404], `${url} → ${res.statusCode}`).toContain(res.statusCode);
    }
  });

  it('answers 401 with a challenge, and lets console sessions in', async () => {
    await build(['tok']);
    const res = await app.inject({ url: '/api/v1/recordings', remoteAddress: '192.0.2.1' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="livetape"');
    expect(res.json()).toMatchObject({ error: 'unauthorized' });
    const ok = await app.inject({
      url: '/api/v1/recordings',
      remoteAddress: '192.0.2.1',
      headers: { authorization: 'Bearer tok' },
    });
    expect(ok.statusCode).toBe(200);
    await app.close();
    await build(['tok'], true);
    expect((await app.inject({ url: '/metrics', remoteAddress: '192.0.2.1' })).statusCode).toBe(200);
  });
});

describe('sameOriginWrite', () => {
  const write = (origin: string | undefined, extra: Record<string, string> = {}) => ({
    method: 'DELETE',
    protocol: 'http' as const,
    headers: { host: 'tape.example:8080', ...(origin === undefined ? {} : { origin }), ...extra },
  });

  it("lets reads, writes without Origin, and writes from the server's own origin through", () => {
    expect(sameOriginWrite({ ...write('https://evil.example'), method: 'GET' })).toEqual({ ok: true });
    expect(sameOriginWrite(write(undefined))).toEqual({ ok: true });
    expect(sameOriginWrite(write('http://tape.example:8080'))).toEqual({ ok: true });
    expect(
      sameOriginWrite({
        ...write('http://tape.example'),
        headers: { host: 'TAPE.example:80', origin: 'http://tape.example' },
      }),
    ).toEqual({ ok: true });
    expect(sameOriginWrite(write('https://tape.example'), 'https://tape.example')).toEqual({ ok: true });
  });

  it.each([
    ['another site', 'https://evil.example', ''],
    ['another port', 'http://tape.example:9090', ''],
    ['another scheme', 'https://tape.example:8080', ''],
    ['an opaque origin', 'null', ''],
    ['not PUBLIC_URL either', 'https://evil.example', 'https://tape.example'],
  ])('refuses a write from %s with 403 saying why', (_what, origin, publicUrl) => {
    const verdict = sameOriginWrite(write(origin), publicUrl);
    expect(verdict).toMatchObject({ ok: false, status: 403, error: 'forbidden' });
    expect(verdict.ok === false && verdict.message).toContain(`origin ${origin}`);
  });
});

describe('registerApiAuth with console sessions', () => {
  let app: FastifyInstance;
  afterEach(() => app.close());

  async function build(tokens: string[]): Promise<FastifyInstance> {
    app = Fastify();
    registerApiAuth(app, {
      tokens,
      isConsoleSession: async (request) => request.headers.cookie === 'session=valid',
      publicUrl: 'https://tape.example',
    });
    app.get('/api/v1/recordings', async () => ({ ok: true }));
    app.delete('/api/v1/recordings/:id', async () => ({ ok: true }));
    app.post('/api/v1/session', async () => ({ ok: true }));
    return app;
  }

  const remote = (method: 'GET' | 'DELETE', headers: Record<string, string>) =>
    app.inject({
      method,
      url: method === 'GET' ? '/api/v1/recordings' : '/api/v1/recordings/1',
      remoteAddress: '192.0.2.1',
      headers,
    });

  it('lets the session in from anywhere, and refuses its writes from another origin', async () => {
    await build([]);
    expect((await remote('GET', {})).statusCode).toBe(403);
    expect(
      (await remote('GET', { cookie: 'session=valid', origin: 'https://evil.example' })).statusCode,
    ).toBe(200);
    expect((await remote('DELETE', { cookie: 'session=valid' })).statusCode).toBe(200);
    expect(
      (await remote('DELETE', { cookie: 'session=valid', origin: 'https://tape.example' })).statusCode,
    ).toBe(200);
    const forged = await remote('DELETE', { cookie: 'session=valid', origin: 'https://evil.example' });
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ error: 'forbidden' });
  });

  it('checks no Origin when a bearer token authorizes the write', async () => {
    await build(['tok']);
    const res = await remote('DELETE', {
      authorization: 'Bearer tok',
      cookie: 'session=valid',
      origin: 'https://evil.example',
    });
    expect(res.statusCode).toBe(200);
    expect((await remote('DELETE', { origin: 'https://evil.example' })).statusCode).toBe(401);
  });

  it('leaves the login route open', async () => {
    await build(['tok']);
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: '192.0.2.1' });
    expect(res.statusCode).toBe(200);
  });
});
