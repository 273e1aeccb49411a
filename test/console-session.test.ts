/**
 * Console login through a real server: the session cookie, what it authorizes, CSRF, throttling, and the
 * admin password's life (generated once, reset by the CLI, a change logging everyone out).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { credentialSource, isPasswordHash, PASSWORD_SETTING } from '../src/auth/admin-password.js';
import { openCatalog } from '../src/catalog/db.js';
import { runCli } from '../src/cli/run.js';
import { processServeDeps } from '../src/cli/serve.js';
import { SESSION_SECRET_SETTING } from '../src/http/console-session.js';
import { issueSessionToken, sessionKey } from '../src/http/session-cookie.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PASSWORD = 'correct horse battery';
/** Makes the API treat a request as coming through a proxy, i.e. not from loopback (see api-auth). */
const REMOTE = { 'x-forwarded-for': '203.0.113.9' };

function login(t: TestServer, password: unknown, headers: Record<string, string> = {}) {
  return fetch(t.httpUrl('/api/v1/session'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ password }),
  });
}

/** `name=value` of the session cookie a response sets. */
function sessionCookie(res: Response): string {
  const header = res.headers.get('set-cookie') ?? '';
  const cookie = /^(livetape_session=[^;]*)/.exec(header)?.[1];
  if (cookie === undefined) throw new Error(`no session cookie in "${header}"`);
  return cookie;
}

async function loggedIn(t: TestServer, password = PASSWORD): Promise<string> {
  const res = await login(t, password);
  expect(res.status).toBe(204);
  return sessionCookie(res);
}

function authenticated(t: TestServer, cookie?: string): Promise<boolean> {
  return fetch(t.httpUrl('/api/v1/session'), { headers: { ...REMOTE, ...(cookie ? { cookie } : {}) } })
    .then((res) => res.json())
    .then((body) => (body as { authenticated: boolean }).authenticated);
}

function streams(t: TestServer, cookie?: string): Promise<number> {
  return fetch(t.httpUrl('/api/v1/streams'), { headers: { ...REMOTE, ...(cookie ? { cookie } : {}) } }).then(
    (res) => res.status,
  );
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const context = {
    env: {},
    cwd: tmpdir(),
    stdout: (text: string) => {
      out.stdout += text;
    },
    stderr: (text: string) => {
      out.stderr += text;
    },
    now: Date.now,
  };
  const code = await runCli(args, context, processServeDeps);
  return { code, ...out };
}

describe('with ADMIN_PASSWORD', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ ADMIN_PASSWORD: PASSWORD });
  });
  afterAll(() => t.close());

  it('answers GET /api/v1/session to anyone, authenticated only with the cookie', async () => {
    const res = await fetch(t.httpUrl('/api/v1/session'), { headers: REMOTE });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ authenticated: false });
    // Loopback opens the API, not the console: the console asks for the password anyway.
    expect(await (await fetch(t.httpUrl('/api/v1/session'))).json()).toEqual({ authenticated: false });
    expect(await authenticated(t, await loggedIn(t))).toBe(true);
  });

  it('refuses a wrong password with 401, and validates the body naming the parameter', async () => {
    const wrong = await login(t, 'correct horse', REMOTE);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.json()).toEqual({ error: 'unauthorized', message: 'wrong password' });
    for (const body of [
      {},
      { password: '' },
      { password: 'x'.repeat(1025) },
      { password: PASSWORD, user: 'a' },
    ]) {
      const res = await fetch(t.httpUrl('/api/v1/session'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = (await res.json()) as { error: string; message: string };
      expect(error.error).toBe('bad_request');
      expect(error.message).toMatch(/body parameter "(password|user)"/);
    }
  });

  it('sets an HttpOnly SameSite=Strict cookie for 12 h (not Secure on plain http)', async () => {
    const res = await login(t, PASSWORD, REMOTE);
    expect(res.status).toBe(204);
    const header = res.headers.get('set-cookie')!;
    expect(header).toMatch(/^livetape_session=\d+\.[\w-]{22}\.[\w-]{43}; /);
    for (const attribute of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=43200'])
      expect(header.split('; ')).toContain(attribute);
    expect(header).not.toContain('Secure');
  });

  it('lets the cookie authorize the API and /metrics from a non-loopback client', async () => {
    expect(await streams(t)).toBe(403);
    const cookie = await loggedIn(t);
    expect(await streams(t, cookie)).toBe(200);
    const metrics = await fetch(t.httpUrl('/metrics'), { headers: { ...REMOTE, cookie } });
    expect(metrics.status).toBe(200);
  });

  it('refuses tampered, foreign and expired cookies', async () => {
    const cookie = await loggedIn(t);
    const [name, token] = cookie.split('=') as [string, string];
    const [expiry, id, mac] = token.split('.') as [string, string, string];
    const other = mac[5] === 'A' ? 'B' : 'A';
    for (const forged of [
      `${name}=${expiry}.${id}.${mac.slice(0, 5)}${other}${mac.slice(6)}`,
      `${name}=${Number(expiry) + 86400}.${id}.${mac}`,
      `${name}=${token}x`,
      `${name}=`,
    ]) {
      expect(await streams(t, forged), forged).toBe(403);
      expect(await authenticated(t, forged)).toBe(false);
    }
    // Signed with the server's real key, but 13 hours ago.
    const catalog = await openCatalog({ dataDir: t.dataDir });
    try {
      const secret = Buffer.from((await catalog.settings.get<string>(SESSION_SECRET_SETTING))!, 'base64url');
      const credential = (await credentialSource(PASSWORD, catalog.settings)())!;
      const key = sessionKey(secret, credential.fingerprint);
      const fresh = `livetape_session=${issueSessionToken(key, Date.now())}`;
      const expired = `livetape_session=${issueSessionToken(key, Date.now() - 13 * 3600 * 1000)}`;
      expect(await streams(t, fresh)).toBe(200);
      expect(await streams(t, expired)).toBe(403);
    } finally {
      await catalog.close();
    }
  });

  it("refuses a cookie-authorized write from another origin, allows it from the server's own", async () => {
    const cookie = await loggedIn(t);
    const remove = (headers: Record<string, string>) =>
      fetch(t.httpUrl('/api/v1/recordings/1234567890123456789'), {
        method: 'DELETE',
        headers: { ...REMOTE, cookie, ...headers },
      });
    const forged = await remove({ origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    const body = (await forged.json()) as { error: string; message: string };
    expect(body.error).toBe('forbidden');
    expect(body.message).toContain('origin https://evil.example');
    expect((await remove({ origin: new URL(t.httpUrl('/')).origin })).status).toBe(204);
    expect((await remove({})).status).toBe(204);
    const crossSiteLogin = await login(t, PASSWORD, { origin: 'https://evil.example' });
    expect(crossSiteLogin.status).toBe(403);
  });

  it('logs out by clearing the cookie', async () => {
    const res = await fetch(t.httpUrl('/api/v1/session'), { method: 'DELETE', headers: REMOTE });
    expect(res.status).toBe(204);
    const header = res.headers.get('set-cookie')!;
    expect(header).toMatch(/^livetape_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/);
  });

  it('documents only the session routes of the console in the OpenAPI document, without auth', async () => {
    const doc = (await (await fetch(t.httpUrl('/api/docs/openapi.json'))).json()) as {
      paths: Record<string, Record<string, { tags?: string[]; security?: unknown[] }>>;
    };
    const session = doc.paths['/api/v1/session']!;
    expect(Object.keys(session).sort()).toEqual(['delete', 'get', 'post']);
    for (const operation of Object.values(session)) {
      expect(operation.tags).toEqual(['session']);
      expect(operation.security).toEqual([]);
    }
    for (const path of ['/', '/console', '/play/{id}', '/watch', '/ui/*'])
      expect(doc.paths[path], path).toBeUndefined();
  });
});

describe('login throttle', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ ADMIN_PASSWORD: PASSWORD });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After after 5 failures, even to the right password', async () => {
    // Sent at once: the throttle counts an attempt before checking it, so only 5 are checked.
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login(t, `guess-${i}`).then((res) => res.status)),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
    for (const password of ['guess-6', PASSWORD]) {
      const res = await login(t, password);
      expect(res.status).toBe(429);
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(800);
      expect(retryAfter).toBeLessThanOrEqual(900);
      expect(await res.json()).toMatchObject({ error: 'too_many_requests' });
    }
  });
});

describe('with PUBLIC_URL on https', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ ADMIN_PASSWORD: PASSWORD, PUBLIC_URL: 'https://tape.example.com' });
  });
  afterAll(() => t.close());

  it("marks the cookie Secure and accepts writes from PUBLIC_URL's origin", async () => {
    const res = await login(t, PASSWORD, { origin: 'https://tape.example.com' });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')!.split('; ')).toContain('Secure');
  });
});

describe('without ADMIN_PASSWORD', () => {
  let dataDir: string;
  const running: TestServer[] = [];
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'livetape-console-'));
  });
  afterEach(async () => {
    for (const server of running.splice(0)) await server.close();
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  async function start(): Promise<{ t: TestServer; logLines: Array<Record<string, unknown>> }> {
    const logLines: Array<Record<string, unknown>> = [];
    const logTo = { write: (line: string) => void logLines.push(JSON.parse(line)) };
    const t = await startTestServer({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, { logTo });
    running.push(t);
    return { t, logLines };
  }

  const passwordLines = (lines: Array<Record<string, unknown>>) =>
    lines.filter((line) => String(line.msg).includes('admin password'));

  it('generates a password on the first start only, shows it once and stores only its hash', async () => {
    const first = await start();
    const password = first.t.server.generatedAdminPassword!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const [line, ...more] = passwordLines(first.logLines);
    expect(more).toEqual([]);
    // The log says one was made; the password itself is only on the terminal banner (issue 11).
    expect(line).toMatchObject({ level: 40 });
    expect(JSON.stringify(first.logLines)).not.toContain(password);
    expect(line!.msg).toContain('never in the log; `livetape reset-admin-password` makes a new one');
    await loggedIn(first.t, password);
    await first.t.close();
    running.length = 0;

    const catalog = await openCatalog({ dataDir });
    const stored = await catalog.settings.get<unknown>(PASSWORD_SETTING);
    await catalog.close();
    expect(isPasswordHash(stored)).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(password);

    const second = await start();
    expect(second.t.server.generatedAdminPassword).toBeUndefined();
    expect(passwordLines(second.logLines)).toEqual([]);
    await loggedIn(second.t, password);
  });

  it('resets the password from the CLI, logging every session out', async () => {
    const { t } = await start();
    const old = await cli(['reset-admin-password', '--data-dir', dataDir]);
    expect(old.code).toBe(0);
    const oldPassword = old.stdout.trim();
    const cookie = await loggedIn(t, oldPassword);
    expect(await streams(t, cookie)).toBe(200);

    // While the server runs: the next login checks the new hash.
    const reset = await cli(['reset-admin-password', '--data-dir', dataDir]);
    expect(reset.code).toBe(0);
    expect(reset.stderr).toContain('New console password stored');
    const newPassword = reset.stdout.trim();
    expect(newPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(newPassword).not.toBe(oldPassword);
    expect((await login(t, oldPassword)).status).toBe(401);
    const fresh = await loggedIn(t, newPassword);
    expect(await streams(t, fresh)).toBe(200);
    expect(await streams(t, cookie)).toBe(403);
    expect(await authenticated(t, cookie)).toBe(false);
  });

  it('refuses to reset where it would have no effect', async () => {
    const configured = await cli([
      'reset-admin-password',
      '--data-dir',
      dataDir,
      '--admin-password',
      'set-here',
    ]);
    expect(configured.code).toBe(2);
    expect(configured.stderr).toContain('change ADMIN_PASSWORD instead');
    const nowhere = join(dataDir, 'no-such-server');
    const missing = await cli(['reset-admin-password', '--data-dir', nowhere]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`no catalog at ${join(nowhere, 'livetape.db')}`);
  });
});
