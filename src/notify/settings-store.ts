/**
 * The effective callback settings of this node, kept in step with the catalog: another node's
 * `PUT /api/v1/settings/callbacks` reaches this one within `maxAgeMs`.
 */
import type { SettingsRepository } from '../catalog/settings.js';
import {
  applyOverrides,
  type CallbackOverrides,
  type CallbackSettings,
  type CallbackSettingsPatch,
  mergePatch,
} from './settings.js';

const SETTINGS_KEY = 'callbacks';

export class CallbackSettingsStore {
  private overrides: CallbackOverrides = {};
  private effective: CallbackSettings;
  private loadedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly repository: SettingsRepository,
    private readonly defaults: CallbackSettings,
    private readonly maxAgeMs: number,
  ) {
    this.effective = defaults;
  }

  get current(): CallbackSettings {
    return this.effective;
  }

  get currentOverrides(): CallbackOverrides {
    return this.overrides;
  }

  async refresh(): Promise<void> {
    this.use((await this.repository.get<CallbackOverrides>(SETTINGS_KEY)) ?? {});
  }

  async refreshIfStale(now = Date.now()): Promise<void> {
    if (now - this.loadedAt >= this.maxAgeMs) await this.refresh();
  }

  /** Reads, merges and writes back; two nodes patching different fields at once may lose one patch. */
  async update(patch: CallbackSettingsPatch): Promise<CallbackSettings> {
    const stored = (await this.repository.get<CallbackOverrides>(SETTINGS_KEY)) ?? {};
    const next = mergePatch(stored, patch);
    await this.repository.set(SETTINGS_KEY, next);
    this.use(next);
    return this.effective;
  }

  private use(overrides: CallbackOverrides): void {
    this.overrides = overrides;
    this.effective = applyOverrides(this.defaults, overrides);
    this.loadedAt = Date.now();
  }
}
