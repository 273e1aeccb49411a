import SqliteDatabase from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reusingStatements, STATEMENT_CACHE_SIZE } from './dialect.js';

describe('reusingStatements', () => {
  let database: SqliteDatabase.Database;
  afterEach(() => database.close());

  function open() {
    database = new SqliteDatabase(':memory:');
    database.exec('CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2), (3)');
    const compiled = vi.spyOn(database, 'prepare');
    return { db: reusingStatements(database), compiled };
  }

  it('compiles a query text once and runs the kept statement again', () => {
    const { db, compiled } = open();
    const first = db.prepare('SELECT a FROM t WHERE a > ?');
    const again = db.prepare('SELECT a FROM t WHERE a > ?');
    expect(again).toBe(first);
    expect(compiled).toHaveBeenCalledTimes(1);
    expect(again.all([1])).toEqual([{ a: 2 }, { a: 3 }]);
  });

  it('keeps only the most recently used texts', () => {
    const { db, compiled } = open();
    const text = (i: number) => `SELECT a + ${i} AS b FROM t`;
    db.prepare(text(0));
    for (let i = 1; i <= STATEMENT_CACHE_SIZE; i++) {
      db.prepare(text(i));
      db.prepare(text(1)); // stays in use, so it is never the oldest
    }
    expect(compiled).toHaveBeenCalledTimes(STATEMENT_CACHE_SIZE + 1);
    db.prepare(text(1));
    expect(compiled).toHaveBeenCalledTimes(STATEMENT_CACHE_SIZE + 1);
    db.prepare(text(0)); // pushed out by the newer ones
    expect(compiled).toHaveBeenCalledTimes(STATEMENT_CACHE_SIZE + 2);
  });

  it('gives a query a statement of its own while the kept one is still being iterated', () => {
    const { db } = open();
    const sql = 'SELECT a FROM t ORDER BY a';
    const iterating = db.prepare(sql).iterate([]) as IterableIterator<{ a: number }>;
    expect(iterating.next().value).toEqual({ a: 1 });
    const other = db.prepare(sql);
    expect(other.all([])).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect([...iterating]).toEqual([{ a: 2 }, { a: 3 }]);
  });

  it('runs a kept statement against the schema as it is now (a migration in between)', () => {
    const { db } = open();
    const sql = 'SELECT * FROM t WHERE a = ?';
    expect(db.prepare(sql).all([1])).toEqual([{ a: 1 }]);
    db.prepare('ALTER TABLE t ADD COLUMN c TEXT').run([]);
    db.prepare("UPDATE t SET c = 'x'").run([]);
    expect(db.prepare(sql).all([1])).toEqual([{ a: 1, c: 'x' }]);
  });
});
