import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialSource, type SettingsStore, storeNewPassword } from '../auth/admin-password.js';
import { addApiSchemas } from './api-schemas.js';
import { ConsoleSessions } from './console-session.js';

function memorySettings(): SettingsStore & { failing: boolean } {
  const rows = new Map<string, string>();
  const store = {
    failing: false,
    get: async <T>(key: string) => {
      if (store.failing) throw new Error('database down');
      const json = rows.get(key);
      return json === undefined ? undefined : (JSON.parse(json) as T);
    },
    set: async (key: string, value: unknown) => {
      rows.set(key, JSON.stringify(value));
    },
  };
  return store;
}

const TTL = 10_000;
let app: FastifyInstance;
afterEach(() => app.close());

async function setup() {
  const settings = memorySettings();
  const clock = { now: Date.UTC(2026, 0, 1) };
  const password = await storeNewPassword(settings);
  const sessions = await ConsoleSessions.open({
    settings,
    credential: credentialSource('', settings),
    publicUrl: '',
    keyTtlMs: TTL,
    now: () => clock.now,
  });
  app = Fastify();
  addApiSchemas(app);
  sessions.register(app);
  const login = async (guess: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { password: guess } });
    return res.statusCode === 204 ? String(res.headers['set-cookie']).split(';')[0]! : undefined;
  };
  const valid = (cookie: string) =>
    sessions.hasSession({ headers: { cookie } } as Parameters<ConsoleSessions['hasSession']>[0]);
  return { settings, clock, password, login, valid };
}

describe('ConsoleSessions', () => {
  it('notices a password changed elsewhere (the CLI, another node) within one key TTL', async () => {
    const { settings, clock, password, login, valid } = await setup();
    const cookie = (await login(password))!;
    expect(await valid(cookie)).toBe(true);
    await storeNewPassword(settings);
    clock.now += TTL - 1;
    expect(await valid(cookie)).toBe(true);
    clock.now += 1;
    expect(await valid(cookie)).toBe(false);
  });

  it('does not keep a failed catalog read for the TTL', async () => {
    const { settings, clock, password, login, valid } = await setup();
    const cookie = (await login(password))!;
    clock.now += TTL;
    settings.failing = true;
    await expect(valid(cookie)).rejects.toThrow('database down');
    settings.failing = false;
    expect(await valid(cookie)).toBe(true);
  });

  it('expires a session after 12 hours', async () => {
    const { clock, password, login, valid } = await setup();
    const cookie = (await login(password))!;
    clock.now += 12 * 3600 * 1000 - 1000;
    expect(await valid(cookie)).toBe(true);
    clock.now += 1000;
    expect(await valid(cookie)).toBe(false);
  });
});
