/**
 * The `uploads` table: the outbox of spool files to copy into the object store (STORAGE=s3). Jobs are
 * inserted in the transaction that closes their file; upload workers (one per process, any number of
 * processes) claim due jobs of their own node (whose spool holds the file) with a lease, on PostgreSQL with `FOR UPDATE SKIP LOCKED`, the way the
 * notification outbox does. Jobs of one group (a recording, or a live HLS folder) run one at a time in id order.
 */
import { type ExpressionBuilder, type Kysely, type Selectable, sql } from 'kysely';
import type { Engine } from './dialect.js';
import { guarded } from './errors.js';
import { createFileIdGenerator } from './ids.js';
import { claimsOfNode, type LeaseRequest, leaseColumns, leaseDue, releaseColumns } from './outbox-lease.js';
import type { Database, UploadKind, UploadStatus, UploadsTable } from './schema.js';

export interface UploadRow {
  readonly id: string;
  /** The recording id of a `recording` job; the HLS folder of live `object` jobs. */
  readonly groupKey: string;
  readonly kind: UploadKind;
  readonly storageKey: string;
  /** A `recording` job whose file gets its callback (event 100) when it becomes `done`. */
  readonly announce: boolean;
  readonly status: UploadStatus;
  /** Attempts started so far; while claimed, the number of the attempt in flight. */
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly claimedBy: string | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  /** The node whose spool holds the file (null: any node). */
  readonly node: string | null;
}

export interface NewUpload {
  readonly groupKey: string;
  readonly kind: UploadKind;
  readonly storageKey: string;
  /** Default false. */
  readonly announce?: boolean;
  /** The node whose spool holds the file, the only one that claims the job; none: any node. */
  readonly node?: string;
}

export interface UploadBacklog {
  readonly pending: number;
  /** Creation time of the oldest job, undefined when there is none: how far uploads lag. */
  readonly oldestCreatedAt: number | undefined;
  /** The error of the most recent failed attempt still waiting for a retry. */
  readonly lastError: string | undefined;
}

export class UploadRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: Engine,
    private readonly newId: () => string = createFileIdGenerator(),
  ) {}

  /** Inserts a job due now; pass the cause's transaction as `db`. */
  async enqueue(upload: NewUpload, db: Kysely<Database> = this.db): Promise<string> {
    const [id] = await this.enqueueAll([upload], db);
    return id!;
  }

  /** Inserts jobs due now, in this order, with one statement (one commit outside a transaction). */
  enqueueAll(uploads: readonly NewUpload[], db: Kysely<Database> = this.db): Promise<string[]> {
    const ids = uploads.map(() => this.newId());
    return guarded(`enqueue uploads ${ids.join(', ')}`, async () => {
      if (ids.length === 0) return ids;
      const now = Date.now();
      await db
        .insertInto('uploads')
        .values(
          uploads.map((upload, i) => ({
            id: ids[i]!,
            group_key: upload.groupKey,
            kind: upload.kind,
            storage_key: upload.storageKey,
            announce: upload.announce ? 1 : 0,
            status: 'pending',
            attempts: 0,
            next_attempt_at: now,
            claimed_until: null,
            claimed_by: null,
            last_error: null,
            created_at: now,
            node: upload.node ?? null,
          })),
        )
        .execute();
      return ids;
    });
  }

  /**
   * Claims up to `limit` due jobs, the oldest of each group only, counting the attempt started. Jobs in
   * `finished` (done since the last claim) are deleted first in the same transaction: one commit per
   * round instead of one more per job, and a group's next job is due in this very round.
   */
  claimDue(request: LeaseRequest, finished: readonly string[] = []): Promise<UploadRow[]> {
    return guarded('claim due uploads', () =>
      this.db.transaction().execute(async (trx) => {
        if (finished.length > 0) await trx.deleteFrom('uploads').where('id', 'in', finished).execute();
        // The claimer's node gets its own jobs and those of no node.
        const due = dueUploadsQuery(trx, request.now, request.limit, nodeOf(request.claimer));
        const claimed = await leaseDue(this.engine, due, (ids) =>
          trx
            .updateTable('uploads')
            .set(leaseColumns(request))
            .where('id', 'in', ids)
            .returningAll()
            .execute(),
        );
        return claimed.map(toUploadRow);
      }),
    );
  }

  /** A failed attempt: due again at `nextAttemptAt`. False when the claim was lost meanwhile. */
  retryLater(claim: UploadRow, nextAttemptAt: number, error: string): Promise<boolean> {
    return guarded(`retry upload ${claim.id}`, async () => {
      const result = await this.db
        .updateTable('uploads')
        .set({ next_attempt_at: nextAttemptAt, claimed_until: null, claimed_by: null, last_error: error })
        .where(heldBy(claim))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  /**
   * A `recording` job's file is durable: the job stays, `stored`, until its spool copy is removed. Run
   * in the transaction that makes the recording `done`; false when the claim was lost.
   */
  markStored(claim: UploadRow, trx: Kysely<Database>): Promise<boolean> {
    return guarded(`mark upload ${claim.id} stored`, async () => {
      const result = await trx
        .updateTable('uploads')
        .set({ status: 'stored', last_error: null })
        .where(heldBy(claim))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  /** Deletes the group's jobs nobody holds a claim on now; the number deleted. */
  dropUnclaimed(groupKey: string, now: number): Promise<number> {
    return guarded(`drop unclaimed uploads of ${groupKey}`, async () => {
      const result = await this.db
        .deleteFrom('uploads')
        .where('group_key', '=', groupKey)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  /** The jobs are finished: their rows go (see also `claimDue`'s `finished`). */
  complete(ids: readonly string[]): Promise<void> {
    return guarded(`complete ${ids.length} uploads`, async () => {
      if (ids.length > 0) await this.db.deleteFrom('uploads').where('id', 'in', ids).execute();
    });
  }

  /** Claims a crashed run of this node held are due again at once instead of after their lease. */
  releaseClaimsOfNode(node: string, now: number): Promise<number> {
    return guarded(`release upload claims of node ${node}`, async () => {
      const held = await this.db
        .selectFrom('uploads')
        .select(['id', 'claimed_by'])
        .where('claimed_by', 'is not', null)
        .execute();
      const ours = claimsOfNode(held, node);
      if (ours.length === 0) return 0;
      const result = await this.db
        .updateTable('uploads')
        .set(releaseColumns(now))
        .where('id', 'in', ours)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    });
  }

  /** Jobs of one group (for the API and tests), oldest first. */
  listOf(groupKey: string): Promise<UploadRow[]> {
    return guarded(`list uploads of ${groupKey}`, async () => {
      const rows = await this.db
        .selectFrom('uploads')
        .selectAll()
        .where('group_key', '=', groupKey)
        .orderBy('id')
        .execute();
      return rows.map(toUploadRow);
    });
  }

  backlog(): Promise<UploadBacklog> {
    return guarded('count pending uploads', async () => {
      const counts = await this.db
        .selectFrom('uploads')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('pending'),
          eb.fn.min('created_at').as('oldest'),
        ])
        .executeTakeFirstOrThrow();
      const failed = await this.db
        .selectFrom('uploads')
        .select('last_error')
        .where('last_error', 'is not', null)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return {
        pending: Number(counts.pending),
        oldestCreatedAt: counts.oldest === null ? undefined : Number(counts.oldest),
        lastError: failed?.last_error ?? undefined,
      };
    });
  }
}

/** The node part of a claimer (`{node}:{pid}:{random}`). */
function nodeOf(claimer: string): string {
  const colon = claimer.indexOf(':');
  return colon < 0 ? claimer : claimer.slice(0, colon);
}

/** The claim still holds, at the very attempt it claimed. */
function heldBy(claim: UploadRow) {
  return (eb: ExpressionBuilder<Database, 'uploads'>) =>
    eb.and([
      eb('id', '=', claim.id),
      eb('claimed_by', '=', claim.claimedBy),
      eb('attempts', '=', claim.attempts),
    ]);
}

/**
 * The due-work SELECT: due, unclaimed (or lease run out), and the oldest job of its group. Whole
 * recordings come first: their `done` and callback wait on them, while a live segment's bucket copy
 * only serves playback from the bucket, which LiveTape itself does not need while the stream is live.
 */
export function dueUploadsQuery(db: Kysely<Database>, now: number, limit: number, node: string) {
  return db
    .selectFrom('uploads as u')
    .select('u.id')
    .where((eb) => eb.or([eb('u.node', 'is', null), eb('u.node', '=', node)]))
    .where('u.next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('u.claimed_until', 'is', null), eb('u.claimed_until', '<=', now)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('uploads as older')
            .select(sql.lit(1).as('one'))
            .whereRef('older.group_key', '=', 'u.group_key')
            .whereRef('older.id', '<', 'u.id'),
        ),
      ),
    )
    .orderBy(sql`case when u.kind = 'recording' then 0 else 1 end`)
    .orderBy('u.id')
    .limit(limit);
}

function toUploadRow(columns: Selectable<UploadsTable>): UploadRow {
  return {
    id: columns.id,
    groupKey: columns.group_key,
    kind: columns.kind,
    storageKey: columns.storage_key,
    announce: columns.announce === 1,
    status: columns.status,
    attempts: columns.attempts,
    nextAttemptAt: columns.next_attempt_at,
    claimedBy: columns.claimed_by,
    lastError: columns.last_error,
    createdAt: columns.created_at,
    node: columns.node,
  };
}
