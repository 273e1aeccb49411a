import type { SettingsRepository } from '../../src/catalog/settings.js';

/** The catalog's settings table in memory, values passed through JSON as the catalog does. */
export function memorySettings(
  initial: Record<string, unknown> = {},
): Pick<SettingsRepository, 'get' | 'set'> & { rows: Map<string, string> } {
  const rows = new Map(Object.entries(initial).map(([key, value]) => [key, JSON.stringify(value)]));
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
