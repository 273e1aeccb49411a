/**
 * The retention rules in force: RETENTION_DAYS / RETENTION_MAX_GB from configuration, each overridable
 * through `PUT /api/v1/settings/retention`. Only overrides are stored (in the catalog's settings), so a
 * configuration change still applies to a rule nobody overrode.
 */
import type { SettingsRepository } from '../catalog/settings.js';
import { type RetentionPolicy, retentionPolicy } from './sweeper.js';

export interface RetentionSettings {
  /** Delete files that ended more than this many days ago; 0 keeps them forever. */
  readonly days: number;
  /** Delete the oldest files while all of them take more than this many GB; 0 means no limit. */
  readonly maxGb: number;
}

/** The limits of the configuration keys the settings override. */
export const MAX_RETENTION_DAYS = 36500;
export const MAX_RETENTION_GB = 1_000_000;

const SETTINGS_KEY = 'retention';

export class RetentionSettingsStore {
  /** Bumped by every write: a refresh that read before a write must not undo it. */
  private writes = 0;

  private constructor(
    private readonly store: Pick<SettingsRepository, 'get' | 'set'>,
    private readonly defaults: RetentionSettings,
    private overrides: Partial<RetentionSettings>,
  ) {}

  static async load(
    store: Pick<SettingsRepository, 'get' | 'set'>,
    defaults: RetentionSettings,
  ): Promise<RetentionSettingsStore> {
    return new RetentionSettingsStore(
      store,
      defaults,
      validOverrides(await store.get<unknown>(SETTINGS_KEY)),
    );
  }

  get current(): RetentionSettings {
    return { ...this.defaults, ...this.overrides };
  }

  get policy(): RetentionPolicy {
    const { days, maxGb } = this.current;
    return retentionPolicy({ retentionDays: days, retentionMaxGb: maxGb });
  }

  async update(patch: Partial<RetentionSettings>): Promise<RetentionSettings> {
    const next = { ...this.overrides, ...patch };
    this.writes++;
    await this.store.set(SETTINGS_KEY, next);
    this.overrides = next;
    return this.current;
  }

  /** Re-reads the overrides (another node may have changed them); true when the rules in force changed. */
  async refresh(): Promise<boolean> {
    const writes = this.writes;
    const before = this.current;
    const overrides = validOverrides(await this.store.get<unknown>(SETTINGS_KEY));
    if (writes !== this.writes) return false;
    this.overrides = overrides;
    const after = this.current;
    return after.days !== before.days || after.maxGb !== before.maxGb;
  }
}

function validOverrides(value: unknown): Partial<RetentionSettings> {
  const overrides: { days?: number; maxGb?: number } = {};
  if (typeof value !== 'object' || value === null) return overrides;
  const { days, maxGb } = value as Record<string, unknown>;
  if (typeof days === 'number' && days >= 0 && days <= MAX_RETENTION_DAYS) overrides.days = days;
  if (typeof maxGb === 'number' && maxGb >= 0 && maxGb <= MAX_RETENTION_GB) overrides.maxGb = maxGb;
  return overrides;
}
