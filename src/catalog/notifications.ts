/**
 * The `notifications` table: the durable outbox of event callbacks. Rows are inserted in the
 * transaction of their cause; delivery workers (one per process, any number of processes) claim due
 * rows with a lease, and on PostgreSQL `FOR UPDATE SKIP LOCKED`, so no attempt is ever made twice.
 */
import { type ExpressionBuilder, type Kysely, type Selectable, sql } from 'kysely';
import type { Engine } from './dialect.js';
import { CatalogError, guarded } from './errors.js';
import { createFileIdGenerator } from './ids.js';
import { claimsOfNode, type LeaseRequest, leaseColumns, leaseDue, releaseColumns } from './outbox-lease.js';
import type { Database, NotificationStatus, NotificationsTable } from './schema.js';

export const DEFAULT_NOTIFICATION_LIST_LIMIT = 50;
export const MAX_NOTIFICATION_LIST_LIMIT = 1000;

export interface NotificationRow {
  readonly id: string;
  readonly eventType: number;
  /** `app/stream` */
  readonly streamKey: string;
  readonly url: string;
  /** The JSON body without `t` and `sign`. */
  readonly payload: string;
  readonly status: NotificationStatus;
  /** Attempts started so far; while claimed, the number of the attempt in flight. */
  readonly attempts: number;
  /** `attempts` when the current round began: a redelivered row gets a full retry budget again. */
  readonly retryBase: number;
  readonly nextAttemptAt: number;
  readonly claimedUntil: number | null;
  readonly claimedBy: string | null;
  readonly lastAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly lastResponse: string | null;
  readonly createdAt: number;
  readonly deliveredAt: number | null;
}

export interface NewNotification {
  readonly eventType: number;
  readonly streamKey: string;
  readonly url: string;
  readonly payload: string;
}

/** What the receiver answered to one attempt. */
export interface AttemptOutcome {
  /** HTTP status, or null when there was no answer. */
  readonly status: number | null;
  readonly error: string | null;
  readonly response: string | null;
}

/** Where an attempt leaves the row. */
export type Settlement =
  | { readonly status: 'delivered'; readonly at: number }
  | { readonly status: 'pending'; readonly nextAttemptAt: number }
  | { readonly status: 'dead' };

export interface NotificationFilter {
  readonly status?: NotificationStatus;
  readonly streamKey?: string;
  /** Rows per page: default 50, at most 1000. */
  readonly limit?: number;
  /** Page cursor: only rows with an id below this one. */
  readonly before?: string;
}

export type RedeliverResult =
  | { readonly row: NotificationRow }
  | { readonly refused: 'not_found' | 'pending' };

export class NotificationRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
    private readonly newId: () => string = createFileIdGenerator(),
  ) {}

  /** Inserts a pending row due now; pass the cause's transaction as `db`. Returns the id. */
  enqueue(notification: NewNotification, db: Kysely<Database> = this.db): Promise<string> {
    // The id is taken inside the transaction, so on the one SQLite connection ids follow commit order.
    const id = this.newId();
    return guarded(`enqueue notification ${id}`, async () => {
      const now = Date.now();
      await db
        .insertInto('notifications')
        .values({
          id,
          event_type: notification.eventType,
          stream_key: notification.streamKey,
          url: notification.url,
          payload: notification.payload,
          status: 'pending',
          attempts: 0,
          retry_base: 0,
          next_attempt_at: now,
          claimed_until: null,
          claimed_by: null,
          last_attempt_at: null,
          last_status: null,
          last_error: null,
          last_response: null,
          created_at: now,
          delivered_at: null,
        })
        .execute();
      return id;
    });
  }

  /**
   * Claims up to `limit` due rows, at most one per stream (the oldest pending one; a stream's later
   * rows wait behind it even while it waits for a retry), and counts the attempt being started.
   */
  claimDue(request: LeaseRequest): Promise<NotificationRow[]> {
    return guarded('claim due notifications', () =>
      this.db.transaction().execute(async (trx) => {
        const claimed = await leaseDue(this.engine, dueQuery(trx, request.now, request.limit), (ids) =>
          trx
            .updateTable('notifications')
            .set({ ...leaseColumns(request), last_attempt_at: request.now })
            .where('id', 'in', ids)
            .returningAll()
            .execute(),
        );
        return claimed.map(toNotificationRow);
      }),
    );
  }

  /**
   * Records a claimed attempt's outcome. False when the claim was lost (its lease ran out and another
   * worker took the row): that worker's attempt decides.
   */
  settle(claim: NotificationRow, outcome: AttemptOutcome, settlement: Settlement): Promise<boolean> {
    return guarded(`settle notification ${claim.id}`, async () => {
      const result = await this.db
        .updateTable('notifications')
        .set({
          status: settlement.status,
          next_attempt_at: settlement.status === 'pending' ? settlement.nextAttemptAt : undefined,
          delivered_at: settlement.status === 'delivered' ? settlement.at : undefined,
          claimed_until: null,
          claimed_by: null,
          last_status: outcome.status,
          last_error: outcome.error,
          last_response: outcome.response,
        })
        .where(heldBy(claim))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  /** Gives a claimed row back unattempted-as-far-as-we-know (shutdown); it is due again at once. */
  release(claim: NotificationRow, now: number): Promise<boolean> {
    return guarded(`release notification ${claim.id}`, async () => {
      const result = await this.db
        .updateTable('notifications')
        .set({
          next_attempt_at: now,
          claimed_until: null,
          claimed_by: null,
          last_error: 'attempt interrupted by shutdown',
        })
        .where(heldBy(claim))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  /**
   * Hands back the claims a previous run of this node held when it died (claimers are
   * `{node}:{pid}:{random}`): its attempts ended with it, so they are due again at once instead of
   * after the lease. Returns how many were released.
   */
  releaseClaimsOfNode(node: string, now: number): Promise<number> {
    return guarded(`release claims of node ${node}`, async () => {
      const held = await this.db
        .selectFrom('notifications')
        .select(['id', 'claimed_by'])
        .where('status', '=', 'pending')
        .where('claimed_by', 'is not', null)
        .execute();
      const ours = claimsOfNode(held, node);
      if (ours.length === 0) return 0;
      const result = await this.db
        .updateTable('notifications')
        .set({ ...releaseColumns(now), last_error: 'attempt interrupted by a crash' })
        .where('id', 'in', ours)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    });
  }

  get(id: string): Promise<NotificationRow | undefined> {
    return guarded(`get notification ${id}`, async () => {
      const row = await this.db
        .selectFrom('notifications')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : toNotificationRow(row);
    });
  }

  /** Newest first; page on with `before` set to the last id of the previous page. */
  async list(filter: NotificationFilter = {}): Promise<NotificationRow[]> {
    const query = notificationListQuery(this.db, filter);
    return await guarded('list notifications', async () => (await query.execute()).map(toNotificationRow));
  }

  /**
   * Makes a delivered or dead row pending again with a fresh retry budget, due now; `url`, when given,
   * replaces the receiver. A pending row is refused: it is already on its way.
   */
  redeliver(id: string, now: number, url?: string): Promise<RedeliverResult> {
    return guarded(`redeliver notification ${id}`, async () => {
      const updated = await this.db
        .updateTable('notifications')
        .set((eb) => ({
          status: 'pending',
          retry_base: eb.ref('attempts'),
          next_attempt_at: now,
          delivered_at: null,
        }))
        .$if(url !== undefined, (q) => q.set({ url: url! }))
        .where('id', '=', id)
        .where('status', '!=', 'pending')
        .returningAll()
        .executeTakeFirst();
      if (updated !== undefined) return { row: toNotificationRow(updated) };
      const exists = await this.db
        .selectFrom('notifications')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      return { refused: exists === undefined ? 'not_found' : 'pending' };
    });
  }
}

/** The row is still the claimer's, at the very attempt it claimed: only then may it be settled. */
function heldBy(claim: NotificationRow) {
  return (eb: ExpressionBuilder<Database, 'notifications'>) =>
    eb.and([
      eb('id', '=', claim.id),
      eb('status', '=', 'pending'),
      eb('claimed_by', '=', claim.claimedBy),
      eb('attempts', '=', claim.attempts),
    ]);
}

/** The due-work SELECT, exported so tests can check which indexes serve it. */
export function dueQuery(db: Kysely<Database>, now: number, limit: number) {
  return db
    .selectFrom('notifications as n')
    .select('n.id')
    .where('n.status', '=', 'pending')
    .where('n.next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('n.claimed_until', 'is', null), eb('n.claimed_until', '<=', now)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('notifications as older')
            .select(sql.lit(1).as('one'))
            .whereRef('older.stream_key', '=', 'n.stream_key')
            .where('older.status', '=', 'pending')
            .whereRef('older.id', '<', 'n.id'),
        ),
      ),
    )
    .orderBy('n.id')
    .limit(limit);
}

/** The delivery-log SELECT, exported so tests can check which index serves it. */
export function notificationListQuery(db: Kysely<Database>, filter: NotificationFilter) {
  return db
    .selectFrom('notifications')
    .selectAll()
    .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
    .$if(filter.streamKey !== undefined, (q) => q.where('stream_key', '=', filter.streamKey!))
    .$if(filter.before !== undefined, (q) => q.where('id', '<', filter.before!))
    .orderBy('id', 'desc')
    .limit(pageSize(filter.limit));
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_NOTIFICATION_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new CatalogError('invalid', 'list notifications', `limit must be a positive integer, got ${limit}`);
  }
  return Math.min(limit, MAX_NOTIFICATION_LIST_LIMIT);
}

function toNotificationRow(columns: Selectable<NotificationsTable>): NotificationRow {
  return {
    id: columns.id,
    eventType: columns.event_type,
    streamKey: columns.stream_key,
    url: columns.url,
    payload: columns.payload,
    status: columns.status,
    attempts: columns.attempts,
    retryBase: columns.retry_base,
    nextAttemptAt: columns.next_attempt_at,
    claimedUntil: columns.claimed_until,
    claimedBy: columns.claimed_by,
    lastAttemptAt: columns.last_attempt_at,
    lastStatus: columns.last_status,
    lastError: columns.last_error,
    lastResponse: columns.last_response,
    createdAt: columns.created_at,
    deliveredAt: columns.delivered_at,
  };
}
