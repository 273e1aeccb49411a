import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memorySettings } from '../../test/helpers/memory-settings.js';
import { MAX_RETENTION_DAYS, MAX_RETENTION_GB, RetentionSettingsStore } from './retention-settings.js';

const CONFIG = { days: 30, maxGb: 0 };

describe('RetentionSettingsStore', () => {
  it('follows configuration until a rule is overridden, and stores only overrides', async () => {
    const store = memorySettings();
    const settings = await RetentionSettingsStore.load(store, CONFIG);
    expect(settings.current).toEqual(CONFIG);
    expect(settings.policy).toEqual({ maxAgeDays: 30, maxBytes: 0 });
    expect(await settings.update({ maxGb: 1.5 })).toEqual({ days: 30, maxGb: 1.5 });
    expect(settings.policy).toEqual({ maxAgeDays: 30, maxBytes: 1_500_000_000 });
    expect(JSON.parse(store.rows.get('retention')!)).toEqual({ maxGb: 1.5 });
    // A restart with another RETENTION_DAYS: the rule nobody overrode follows it.
    const restarted = await RetentionSettingsStore.load(store, { days: 7, maxGb: 0 });
    expect(restarted.current).toEqual({ days: 7, maxGb: 1.5 });
  });

  it('loads whatever JSON the settings row holds without throwing, within the limits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (stored) => {
        const { days, maxGb } = (
          await RetentionSettingsStore.load(memorySettings({ retention: stored }), CONFIG)
        ).current;
        expect(days >= 0 && days <= MAX_RETENTION_DAYS).toBe(true);
        expect(maxGb >= 0 && maxGb <= MAX_RETENTION_GB).toBe(true);
      }),
    );
  });
});
