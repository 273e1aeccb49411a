/**
 * The lease the outboxes (`notifications`, `uploads`) put on their due rows, so that any number of
 * workers in any number of processes share the rows without starting one attempt twice. Each
 * repository keeps its own due SELECT and its own columns; what is here is only what a lease is.
 */
import { type SelectQueryBuilder, sql } from 'kysely';
import type { Engine } from './dialect.js';

export interface LeaseRequest {
  readonly now: number;
  /** How long the claim excludes other workers; longer than one attempt can take. */
  readonly leaseMs: number;
  /** `{node}:{pid}:{random}`, unique per process. */
  readonly claimer: string;
  readonly limit: number;
}

/**
 * Runs the due SELECT, on PostgreSQL with `FOR UPDATE SKIP LOCKED` (concurrent workers pass over each
 * other's rows instead of waiting for them), and hands the ids to `lease`, which UPDATEs them with
 * `leaseColumns` and returns them. Run both inside the claim's transaction. The rows come back in id
 * order, which RETURNING does not promise.
 */
export async function leaseDue<DueDB, DueTable extends keyof DueDB, Row extends { readonly id: string }>(
  engine: Engine,
  due: SelectQueryBuilder<DueDB, DueTable, { id: string }>,
  lease: (ids: string[]) => Promise<Row[]>,
): Promise<Row[]> {
  const rows = await due.$if(engine === 'postgres', (q) => q.forUpdate().skipLocked()).execute();
  if (rows.length === 0) return [];
  const leased = await lease(rows.map((row) => row.id));
  return leased.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The columns a lease sets: it counts the attempt being started and holds the row for `leaseMs`. */
export function leaseColumns(request: LeaseRequest) {
  return {
    // A raw reference rather than `eb('attempts', '+', 1)`: both outbox tables have the column, and this
    // keeps the lease free of either table's type; the arithmetic is the same.
    attempts: sql<number>`${sql.ref('attempts')} + 1`,
    claimed_until: request.now + request.leaseMs,
    claimed_by: request.claimer,
  };
}

/** The columns that hand a lease back before it runs out: the row is due again at `now`. */
export function releaseColumns(now: number) {
  return { next_attempt_at: now, claimed_until: null, claimed_by: null };
}

/**
 * The ids among `held` that a process of `node` claimed (claimers are `{node}:{pid}:{random}`): after
 * that node restarts, their attempts ended with the process that made them.
 */
export function claimsOfNode(
  held: readonly { readonly id: string; readonly claimed_by: string | null }[],
  node: string,
): string[] {
  return held.filter((row) => row.claimed_by?.startsWith(`${node}:`)).map((row) => row.id);
}
