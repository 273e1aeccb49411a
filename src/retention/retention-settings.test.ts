import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RETENTION_DAYS, MAX_RETENTION_GB, RetentionSettingsStore } from './retention-settings.js';

function memoryStore(initial?: unknown) {
  const rows = new Map<string, string>();
  if (initial !== undefined) rows.set('retention', JSON.stringify(initial));
  return {
    rows,
    async get<T>(key: string) {
      const json = rows.get(key);
      return json === undefined ? undefined : (JSON.parse(json) as T);
    },
    async set(key: string, value: unknown) {
      rows.set(key, JSON.stringify(value));
    },
  };
}

const CONFIG = { days: 30, maxGb: 0 };

describe('RetentionSettingsStore', () => {
  it('follows configuration until a rule is overridden, and stores only overrides', async () => {
    const store = memoryStore();
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
        const { days, maxGb } = (await RetentionSettingsStore.load(memoryStore(stored), CONFIG)).current;
        expect(days >= 0 && days <= MAX_RETENTION_DAYS).toBe(true);
        expect(maxGb >= 0 && maxGb <= MAX_RETENTION_GB).toBe(true);
      }),
    );
  });
});
