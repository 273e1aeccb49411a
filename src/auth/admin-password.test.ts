import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  credentialSource,
  ensureAdminPassword,
  generatePassword,
  hashPassword,
  isPasswordHash,
  PASSWORD_SETTING,
  passwordMatches,
  type SettingsStore,
  storeNewPassword,
} from './admin-password.js';

/** The settings table as a map, with the JSON round trip the real one does. */
function memorySettings(): SettingsStore & { rows: Map<string, string> } {
  const rows = new Map<string, string>();
  return {
    rows,
    get: async <T>(key: string) => {
      const json = rows.get(key);
      return json === undefined ? undefined : (JSON.parse(json) as T);
    },
    set: async (key: string, value: unknown) => {
      rows.set(key, JSON.stringify(value));
    },
  };
}

describe('password hashing', () => {
  it('matches the password and nothing else', async () => {
    const stored = await hashPassword('correct horse');
    expect(isPasswordHash(stored)).toBe(true);
    expect(await passwordMatches('correct horse', stored)).toBe(true);
    for (const guess of ['correct hors', 'correct horse ', 'Correct horse', ''])
      expect(await passwordMatches(guess, stored)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
  });

  it('generates long URL-safe passwords that differ', () => {
    const passwords = Array.from({ length: 50 }, generatePassword);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(new Set(passwords).size).toBe(passwords.length);
  });

  it('trusts no stored value that is not a sane hash (cost bounds, sizes, types)', async () => {
    const good = await hashPassword('x');
    for (const bad of [
      null,
      'text',
      { ...good, salt: 'short' },
      { ...good, hash: good.hash.slice(4) },
      { ...good, params: { ...good.params, N: 2 ** 24 } },
      { ...good, params: { ...good.params, N: 1000 } },
      { ...good, params: { ...good.params, r: 0 } },
      { ...good, params: { ...good.params, p: 1.5 } },
      { ...good, params: { ...good.params, keyLength: 8 } },
      { ...good, params: null },
    ])
      expect(isPasswordHash(bad), JSON.stringify(bad)).toBe(false);
    fc.assert(fc.property(fc.jsonValue(), (value) => !isPasswordHash(value)));
  });
});

describe('credentialSource', () => {
  it('with ADMIN_PASSWORD: checks against it, with a fingerprint stable across processes', async () => {
    const settings = memorySettings();
    const credential = (await credentialSource('s3cret-pass', settings)())!;
    expect(await credential.matches('s3cret-pass')).toBe(true);
    expect(await credential.matches('s3cret-pas')).toBe(false);
    const again = (await credentialSource('s3cret-pass', settings)())!;
    expect(again.fingerprint).toBe(credential.fingerprint);
    expect((await credentialSource('other', settings)())!.fingerprint).not.toBe(credential.fingerprint);
    expect(credential.fingerprint).not.toContain('s3cret-pass');
    expect(settings.rows.size).toBe(0);
  });

  it('without: reads the stored hash at every call, so a reset counts at once', async () => {
    const settings = memorySettings();
    const source = credentialSource('', settings);
    expect(await source()).toBeUndefined();
    const first = await storeNewPassword(settings);
    const before = (await source())!;
    expect(await before.matches(first)).toBe(true);
    const second = await storeNewPassword(settings);
    const after = (await source())!;
    expect(await after.matches(first)).toBe(false);
    expect(await after.matches(second)).toBe(true);
    expect(after.fingerprint).not.toBe(before.fingerprint);
  });
});

describe('ensureAdminPassword', () => {
  it('generates and stores only a hash on the first start, and nothing on later ones', async () => {
    const settings = memorySettings();
    const password = await ensureAdminPassword('', settings);
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const row = settings.rows.get(PASSWORD_SETTING)!;
    expect(row).not.toContain(password);
    expect(isPasswordHash(JSON.parse(row))).toBe(true);
    expect(await ensureAdminPassword('', settings)).toBeUndefined();
    expect(settings.rows.get(PASSWORD_SETTING)).toBe(row);
  });

  it('leaves the catalog alone when ADMIN_PASSWORD is set', async () => {
    const settings = memorySettings();
    expect(await ensureAdminPassword('configured', settings)).toBeUndefined();
    expect(settings.rows.size).toBe(0);
  });
});
