/**
 * The push and play keys in force now: PUSH_KEY / PLAY_KEY from configuration, unless the API stored
 * an override in the catalog's settings (shared by every node). Every push and play check and every URL
 * signer asks here, so a change or a rotation applies at once, without a restart. Only overrides are
 * stored, per kind, so a configuration change still applies to a kind nobody overrode.
 */
import { randomBytes } from 'node:crypto';
import type { SettingsRepository } from '../catalog/settings.js';

export const KEY_KINDS = ['push', 'play'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];
export type KeySource = 'config' | 'settings';

/** The keys of one kind, primary first, then backups; [] turns that authentication off. */
export interface KeySet {
  readonly keys: string[];
  /** `settings` when a stored override is in force, `config` when PUSH_KEY / PLAY_KEY is. */
  readonly source: KeySource;
}

/** A primary and at most three backups: every check hashes with each of them. */
export const MAX_KEYS = 4;
/** Keys set through the API: URL-safe, long enough not to be guessed by hand. */
export const KEY_PATTERN = '^[A-Za-z0-9._~-]{8,256}$';

/** `null` drops a kind's override, so that kind follows configuration again. */
export type KeyPatch = { readonly [K in KeyKind]?: readonly string[] | null };

type StoredKeys = { [K in KeyKind]?: string[] };

/** The catalog's settings table, as far as a key ring uses it. */
export type KeyStore = Pick<SettingsRepository, 'get' | 'set'>;

const SETTINGS_KEY = 'keys';

export class KeyRing {
  private stored: StoredKeys = {};
  /** Bumped by every write: a refresh that read before a write must not undo it. */
  private writes = 0;

  private constructor(
    private readonly store: KeyStore,
    private readonly defaults: { readonly [K in KeyKind]: readonly string[] },
  ) {}

  static async load(
    store: KeyStore,
    defaults: { readonly [K in KeyKind]: readonly string[] },
  ): Promise<KeyRing> {
    const ring = new KeyRing(store, defaults);
    await ring.refresh();
    return ring;
  }

  /** Primary first; what push auth, play auth and the URL signers use right now. */
  keys(kind: KeyKind): readonly string[] {
    return this.stored[kind] ?? this.defaults[kind];
  }

  view(kind: KeyKind): KeySet {
    return { keys: [...this.keys(kind)], source: this.stored[kind] === undefined ? 'config' : 'settings' };
  }

  /** Stores the patched overrides; the other kind keeps what is stored now (maybe by another node). */
  async update(patch: KeyPatch): Promise<void> {
    const next: StoredKeys = { ...(await this.read()) };
    for (const kind of KEY_KINDS) {
      const keys = patch[kind];
      if (keys === null) delete next[kind];
      else if (keys !== undefined) next[kind] = [...keys];
    }
    this.writes++;
    await this.store.set(SETTINGS_KEY, next);
    this.stored = next;
  }

  /** A fresh random primary; the old primary becomes the first backup and the oldest key beyond four drops. */
  async rotate(kind: KeyKind): Promise<KeySet> {
    await this.refresh();
    await this.update({ [kind]: rotatedKeys(this.keys(kind), newKey()) });
    return this.view(kind);
  }

  /** Re-reads the stored keys, which another node sharing the catalog may have changed. */
  async refresh(): Promise<void> {
    const writes = this.writes;
    const stored = await this.read();
    if (writes === this.writes) this.stored = stored;
  }

  private async read(): Promise<StoredKeys> {
    return validStoredKeys(await this.store.get<unknown>(SETTINGS_KEY));
  }
}

/** 32 hex digits (128 random bits). */
export function newKey(): string {
  return randomBytes(16).toString('hex');
}

export function rotatedKeys(keys: readonly string[], fresh: string): string[] {
  return [fresh, ...keys.filter((key) => key !== fresh)].slice(0, MAX_KEYS);
}

/** The stored overrides; a kind whose stored value is not a list of keys follows configuration. */
function validStoredKeys(value: unknown): StoredKeys {
  const stored: StoredKeys = {};
  if (typeof value !== 'object' || value === null) return stored;
  for (const kind of KEY_KINDS) {
    const keys = (value as Record<string, unknown>)[kind];
    if (Array.isArray(keys) && keys.every((key) => typeof key === 'string' && key !== '')) {
      stored[kind] = keys as string[];
    }
  }
  return stored;
}
