import type { Compilable, Kysely } from 'kysely';
import type { Database } from '../../src/catalog/schema.js';

/** SQLite's plan of `query`, its detail lines joined: what index tests check the query walks. */
export async function sqlitePlan(db: Kysely<Database>, query: Compilable): Promise<string> {
  const compiled = query.compile();
  const explained = await db.executeQuery<{ detail: string }>({
    ...compiled,
    sql: `explain query plan ${compiled.sql}`,
  });
  return explained.rows.map((row) => row.detail).join('\n');
}
