/**
 * The web console's admin password. Either ADMIN_PASSWORD from the configuration, or one LiveTape
 * generated itself and keeps only as a scrypt hash in the settings table (so the catalog, shared by every
 * node, is the one place it lives, and `livetape reset-admin-password` can replace it while the server is
 * stopped or running).
 */
import { createHash, randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import type { SettingsRepository } from '../catalog/settings.js';

/** The settings key holding the stored password's `PasswordHash`. */
export const PASSWORD_SETTING = 'console.password';

export type SettingsStore = Pick<SettingsRepository, 'get' | 'set'>;

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly keyLength: number;
}

/** What is stored instead of the password: base64url salt and hash, and the cost they were made with. */
export interface PasswordHash {
  readonly salt: string;
  readonly hash: string;
  readonly params: ScryptParams;
}

/** Node's defaults (16 MiB of memory, ~50 ms): a login is rare, a stolen hash is slow to attack. */
const SCRYPT_PARAMS: ScryptParams = { N: 16384, r: 8, p: 1, keyLength: 32 };
/** Bounds on stored params, so a corrupt or hostile row cannot make a login take gigabytes. */
const MAX_SCRYPT_N = 2 ** 20;
const MAX_KEY_LENGTH = 64;

/** 18 random bytes: 24 URL-safe characters, 144 bits (no confusing quoting in a shell or a URL). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16);
  const hash = await scryptKey(password, salt, SCRYPT_PARAMS);
  return { salt: salt.toString('base64url'), hash: hash.toString('base64url'), params: SCRYPT_PARAMS };
}

/** Always runs the full scrypt and a constant-time compare, so the time says nothing about the guess. */
export async function passwordMatches(guess: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64url');
  const actual = await scryptKey(guess, Buffer.from(stored.salt, 'base64url'), stored.params);
  return timingSafeEqual(actual, expected);
}

function scryptKey(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const { N, r, p, keyLength } = params;
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** A settings value is only trusted after this check: it decides how much work a login does. */
export function isPasswordHash(value: unknown): value is PasswordHash {
  if (typeof value !== 'object' || value === null) return false;
  const { salt, hash, params } = value as Record<string, unknown>;
  if (typeof salt !== 'string' || !/^[A-Za-z0-9_-]{16,}$/.test(salt) || typeof hash !== 'string')
    return false;
  if (typeof params !== 'object' || params === null) return false;
  const { N, r, p, keyLength } = params as Record<string, unknown>;
  return (
    intIn(N, 2, MAX_SCRYPT_N) &&
    (N & (N - 1)) === 0 &&
    intIn(r, 1, 32) &&
    intIn(p, 1, 16) &&
    intIn(keyLength, 16, MAX_KEY_LENGTH) &&
    Buffer.from(hash, 'base64url').length === keyLength
  );
}

function intIn(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

/** The password a login is checked against, as of one catalog read. */
export interface AdminCredential {
  matches(guess: string): Promise<boolean>;
  /**
   * Changes whenever the password does and is the same on every node; session signatures mix it in, so
   * a new password logs every browser out. Secret: derived from the password or its hash.
   */
  readonly fingerprint: string;
}

/** Reads the current credential; `undefined` when no password is stored (the row was deleted). */
export type CredentialSource = () => Promise<AdminCredential | undefined>;

/**
 * The credential a login uses. A configured password is hashed once with a salt of this process; a stored
 * one is read from the catalog on every call, so a reset by the CLI counts from the next login on.
 */
export function credentialSource(adminPassword: string, settings: SettingsStore): CredentialSource {
  if (adminPassword !== '') {
    const hashed = hashPassword(adminPassword);
    const credential: AdminCredential = {
      matches: async (guess) => passwordMatches(guess, await hashed),
      fingerprint: `config:${createHash('sha256').update(adminPassword).digest('base64url')}`,
    };
    return async () => credential;
  }
  return async () => {
    const stored = await settings.get<unknown>(PASSWORD_SETTING);
    if (!isPasswordHash(stored)) return undefined;
    return {
      matches: (guess) => passwordMatches(guess, stored),
      fingerprint: `stored:${stored.salt}.${stored.hash}`,
    };
  };
}

/** Generates a password, stores its hash (replacing any earlier one) and returns it, to be shown once. */
export async function storeNewPassword(settings: SettingsStore): Promise<string> {
  const password = generatePassword();
  await settings.set(PASSWORD_SETTING, await hashPassword(password));
  return password;
}

/**
 * At start: with no ADMIN_PASSWORD and no stored password yet, makes one. Resolves with the new password
 * only on that start (it must reach the operator then, and never again).
 */
export async function ensureAdminPassword(
  adminPassword: string,
  settings: SettingsStore,
): Promise<string | undefined> {
  if (adminPassword !== '' || isPasswordHash(await settings.get<unknown>(PASSWORD_SETTING))) return undefined;
  return storeNewPassword(settings);
}
