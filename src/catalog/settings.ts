/** The `settings` table: global settings changed at run time (recording templates…), as JSON values. */
import type { Kysely } from 'kysely';
import { CatalogError, guarded } from './errors.js';
import type { Database } from './schema.js';

export class SettingsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The stored value, trusted to be a `T`: callers that cannot trust it validate it themselves. */
  get<T>(key: string): Promise<T | undefined> {
    return guarded(`get setting ${key}`, async () => {
      const row = await this.db
        .selectFrom('settings')
        .select('value')
        .where('key', '=', key)
        .executeTakeFirst();
      return row === undefined ? undefined : (JSON.parse(row.value) as T);
    });
  }

  async set(key: string, value: unknown): Promise<void> {
    const operation = `set setting ${key}`;
    const json = toJson(operation, value);
    await guarded(operation, async () => {
      const now = Date.now();
      await this.db
        .insertInto('settings')
        .values({ key, value: json, updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: now }))
        .execute();
    });
  }
}

function toJson(operation: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new CatalogError('invalid', operation, 'value cannot be written as JSON', { cause: error });
  }
  if (json === undefined) throw new CatalogError('invalid', operation, 'value has no JSON form');
  return json;
}
