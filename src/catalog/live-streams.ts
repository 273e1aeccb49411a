/**
 * The `live_streams` table: the cluster's registry of live pushes. A node claims `app/stream` when a
 * push starts (refused while another node's unexpired claim stands), renews its claims with a heartbeat,
 * and releases them when pushes end; a dead node's claims simply expire.
 */
import type { Kysely, Selectable } from 'kysely';
import { guarded } from './errors.js';
import type { Database, LiveStreamsTable } from './schema.js';

export interface LiveStreamEntry {
  readonly streamKey: string;
  readonly node: string;
  readonly nodeUrl: string;
  readonly sessionId: string;
  readonly startedAt: number;
  readonly expiresAt: number;
}

export class LiveStreamRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Claims the stream for `entry.node` unless another claim is still unexpired at `now`. Returns the
   * entry that holds the stream afterwards: ours, or the other node's.
   */
  claim(entry: LiveStreamEntry, now: number): Promise<LiveStreamEntry> {
    return guarded(`claim live stream ${entry.streamKey}`, () =>
      this.db.transaction().execute(async (trx) => {
        await trx
          .deleteFrom('live_streams')
          .where('stream_key', '=', entry.streamKey)
          .where('expires_at', '<=', now)
          .execute();
        await trx
          .insertInto('live_streams')
          .values({
            stream_key: entry.streamKey,
            node: entry.node,
            node_url: entry.nodeUrl,
            session_id: entry.sessionId,
            started_at: entry.startedAt,
            expires_at: entry.expiresAt,
          })
          .onConflict((oc) => oc.column('stream_key').doNothing())
          .execute();
        const holder = await trx
          .selectFrom('live_streams')
          .selectAll()
          .where('stream_key', '=', entry.streamKey)
          .executeTakeFirstOrThrow();
        return toEntry(holder);
      }),
    );
  }

  /** Moves the expiry of every claim of `node` on. */
  renew(node: string, expiresAt: number): Promise<void> {
    return guarded(`renew live streams of ${node}`, async () => {
      await this.db
        .updateTable('live_streams')
        .set({ expires_at: expiresAt })
        .where('node', '=', node)
        .execute();
    });
  }

  release(streamKey: string, sessionId: string): Promise<void> {
    return guarded(`release live stream ${streamKey}`, async () => {
      await this.db
        .deleteFrom('live_streams')
        .where('stream_key', '=', streamKey)
        .where('session_id', '=', sessionId)
        .execute();
    });
  }

  /** Drops every claim of `node`: at start, what a crashed run of this node left. */
  releaseNode(node: string): Promise<void> {
    return guarded(`release live streams of ${node}`, async () => {
      await this.db.deleteFrom('live_streams').where('node', '=', node).execute();
    });
  }

  /** Unexpired claims, every node's. */
  listLive(now: number): Promise<LiveStreamEntry[]> {
    return guarded('list live streams', async () => {
      const rows = await this.db
        .selectFrom('live_streams')
        .selectAll()
        .where('expires_at', '>', now)
        .orderBy('stream_key')
        .execute();
      return rows.map(toEntry);
    });
  }
}

function toEntry(row: Selectable<LiveStreamsTable>): LiveStreamEntry {
  return {
    streamKey: row.stream_key,
    node: row.node,
    nodeUrl: row.node_url,
    sessionId: row.session_id,
    startedAt: row.started_at,
    expiresAt: row.expires_at,
  };
}
