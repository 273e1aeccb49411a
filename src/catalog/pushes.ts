/**
 * The `pushes` table: one row per push session, written in the same transaction as its push-started
 * and push-ended callbacks, so the log of pushes and the callbacks about them always agree.
 */
import type { Kysely, Selectable } from 'kysely';
import { guarded } from './errors.js';
import type { Database, PushesTable } from './schema.js';

export interface PushStart {
  readonly sessionId: string;
  readonly app: string;
  readonly stream: string;
  /** The push URL's query string. */
  readonly streamParam: string;
  readonly userIp: string;
  readonly node: string;
  /** ms since the epoch. */
  readonly startedAt: number;
}

export interface PushEnd {
  /** ms since the epoch. */
  readonly endedAt: number;
  /** An EndReason, or `rejected` (refused at publish) or `crashed` (closed by the restarted node). */
  readonly endReason: string;
  readonly errcode: number;
  readonly errmsg: string;
}

export interface PushRow extends PushStart {
  readonly endedAt: number | null;
  readonly endReason: string | null;
  readonly errcode: number | null;
  readonly errmsg: string | null;
}

/** Every method takes an optional `db` so it can run inside a caller's transaction. */
export class PushRepository {
  constructor(private readonly db: Kysely<Database>) {}

  insertStarted(push: PushStart, db: Kysely<Database> = this.db): Promise<void> {
    return guarded(`insert push ${push.sessionId}`, async () => {
      await db.insertInto('pushes').values(startColumns(push)).execute();
    });
  }

  /** Ends an open push; one whose start was never written (the catalog failed then) is inserted whole. */
  end(push: PushStart, end: PushEnd, db: Kysely<Database> = this.db): Promise<void> {
    return guarded(`end push ${push.sessionId}`, async () => {
      const columns = {
        ended_at: end.endedAt,
        end_reason: end.endReason,
        errcode: end.errcode,
        errmsg: end.errmsg,
      };
      const updated = await db
        .updateTable('pushes')
        .set(columns)
        .where('session_id', '=', push.sessionId)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) {
        await db
          .insertInto('pushes')
          .values({ ...startColumns(push), ...columns })
          .onConflict((oc) => oc.column('session_id').doNothing())
          .execute();
      }
    });
  }

  get(sessionId: string, db: Kysely<Database> = this.db): Promise<PushRow | undefined> {
    return guarded(`get push ${sessionId}`, async () => {
      const row = await db
        .selectFrom('pushes')
        .selectAll()
        .where('session_id', '=', sessionId)
        .executeTakeFirst();
      return row === undefined ? undefined : toPushRow(row);
    });
  }

  /**
   * Deletes ended pushes: every one that ended before `endedBefore` (the retention age; undefined keeps
   * them), and refused ones (`rejected`) that ended before `rejectedBefore`. Returns how many went.
   */
  prune(limits: { readonly endedBefore?: number; readonly rejectedBefore: number }): Promise<number> {
    return guarded('prune pushes', async () => {
      const result = await this.db
        .deleteFrom('pushes')
        .where('ended_at', 'is not', null)
        .where((eb) =>
          eb.or([
            eb.and([eb('end_reason', '=', 'rejected'), eb('ended_at', '<', limits.rejectedBefore)]),
            ...(limits.endedBefore === undefined ? [] : [eb('ended_at', '<', limits.endedBefore)]),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  /** Pushes that never ended, oldest first; only `node`'s when given (other nodes' may be live). */
  listOpen(node?: string): Promise<PushRow[]> {
    return guarded('list open pushes', async () => {
      const rows = await this.db
        .selectFrom('pushes')
        .selectAll()
        .where('ended_at', 'is', null)
        .$if(node !== undefined, (q) => q.where('node', '=', node!))
        .orderBy('started_at')
        .execute();
      return rows.map(toPushRow);
    });
  }
}

function startColumns(push: PushStart) {
  return {
    session_id: push.sessionId,
    app: push.app,
    stream: push.stream,
    stream_param: push.streamParam,
    user_ip: push.userIp,
    node: push.node,
    started_at: push.startedAt,
  };
}

function toPushRow(columns: Selectable<PushesTable>): PushRow {
  return {
    sessionId: columns.session_id,
    app: columns.app,
    stream: columns.stream,
    streamParam: columns.stream_param,
    userIp: columns.user_ip,
    node: columns.node,
    startedAt: columns.started_at,
    endedAt: columns.ended_at,
    endReason: columns.end_reason,
    errcode: columns.errcode,
    errmsg: columns.errmsg,
  };
}
