/**
 * The one error type the catalog throws, so callers can tell a duplicate id (retry with a new one) or a
 * missing row from a broken database without knowing which driver is underneath.
 */
export type CatalogErrorKind =
  /** A row with this id already exists. */
  | 'duplicate'
  /** No row with this id. */
  | 'not_found'
  /** The row exists but is no longer `recording`, so it cannot be finished or updated as open. */
  | 'not_open'
  /** An argument the catalog cannot act on (e.g. a list limit below 1). */
  | 'invalid'
  /** Migrations failed on open. */
  | 'migration'
  /** The driver, the database, or a caller's callback inside a catalog transaction failed. */
  | 'failed';

export class CatalogError extends Error {
  override readonly name = 'CatalogError';

  constructor(
    readonly kind: CatalogErrorKind,
    /** What the catalog was doing, e.g. `finish recording 1750000000123042917`. */
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${message}`, options);
  }

  /** Wraps a driver (or callback) error with the operation; catalog errors pass through unchanged. */
  static wrap(operation: string, error: unknown): CatalogError {
    if (error instanceof CatalogError) return error;
    const kind = isUniqueViolation(error) ? 'duplicate' : 'failed';
    const message = error instanceof Error ? error.message : String(error);
    return new CatalogError(kind, operation, message, { cause: error });
  }
}

/** Runs `fn`, turning whatever it throws into a `CatalogError` that names `operation`. */
export async function guarded<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw CatalogError.wrap(operation, error);
  }
}

/** better-sqlite3 reports `SQLITE_CONSTRAINT_PRIMARYKEY`/`_UNIQUE`; pg reports SQLSTATE 23505. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
