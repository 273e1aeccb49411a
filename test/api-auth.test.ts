/**
 * API authorization through a real server: bearer tokens when API_TOKENS is set, loopback-only when it
 * is not. (Non-loopback clients are covered with `inject` in src/http/api-auth.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('with API_TOKENS set', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ API_TOKENS: 'alpha-token,beta-token' });
  });
  afterAll(() => t.close());

  const get = (path: string, token?: string) =>
    fetch(t.httpUrl(path), token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  it.each(['/api/v1/recordings', '/api/v1/streams', '/api/v1/settings/recording', '/metrics'])(
    '%s needs one of the tokens, even from loopback',
    async (path) => {
      const none = await get(path);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expect(await none.json()).toMatchObject({ error: 'unauthorized' });
      expect((await get(path, 'gamma-token')).status).toBe(401);
      expect((await get(path, 'alpha-token')).status).toBe(200);
      expect((await get(path, 'beta-token')).status).toBe(200);
    },
  );

  it('leaves /healthz and the API docs open', async () => {
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect((await get('/api/docs/openapi.json')).status).toBe(200);
  });
});

describe('with no API_TOKENS', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('answers loopback clients', async () => {
    expect((await fetch(t.httpUrl('/api/v1/recordings'))).status).toBe(200);
    expect((await fetch(t.httpUrl('/metrics'))).status).toBe(200);
  });

  it('refuses a request a local reverse proxy forwarded', async () => {
    const res = await fetch(t.httpUrl('/api/v1/recordings'), {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toContain('API_TOKENS');
  });
});
