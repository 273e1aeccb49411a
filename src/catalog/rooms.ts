/**
 * The `rooms` table: a title and a cover per stream name, shown on the watch page instead of the bare
 * stream name. A stream without a room is listed under its name.
 */
import type { Kysely, Selectable } from 'kysely';
import { guarded } from './errors.js';
import type { Database, RoomsTable } from './schema.js';

export interface Room {
  readonly stream: string;
  readonly title: string;
  readonly coverUrl: string | null;
  /** ms since the epoch */
  readonly updatedAt: number;
}

export type RoomInput = Omit<Room, 'updatedAt'>;

/** `list` returns at most this many rooms. */
export const MAX_ROOMS_LISTED = 1000;

export class RoomsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  get(stream: string): Promise<Room | undefined> {
    return guarded(`get room ${stream}`, async () => {
      const row = await this.db
        .selectFrom('rooms')
        .selectAll()
        .where('stream', '=', stream)
        .executeTakeFirst();
      return row === undefined ? undefined : toRoom(row);
    });
  }

  /** By stream name, at most MAX_ROOMS_LISTED. */
  list(): Promise<Room[]> {
    return guarded('list rooms', async () => {
      const rows = await this.db
        .selectFrom('rooms')
        .selectAll()
        .orderBy('stream')
        .limit(MAX_ROOMS_LISTED)
        .execute();
      return rows.map(toRoom);
    });
  }

  /** The rooms of these streams, by stream name (one primary-key lookup each). */
  ofStreams(streams: readonly string[]): Promise<Map<string, Room>> {
    if (streams.length === 0) return Promise.resolve(new Map());
    return guarded('get rooms of streams', async () => {
      const rows = await this.db
        .selectFrom('rooms')
        .selectAll()
        .where('stream', 'in', [...new Set(streams)])
        .execute();
      return new Map(rows.map((row) => [row.stream, toRoom(row)]));
    });
  }

  /** Creates or replaces the stream's room. */
  put(room: RoomInput): Promise<Room> {
    return guarded(`put room ${room.stream}`, async () => {
      const values = {
        stream: room.stream,
        title: room.title,
        cover_url: room.coverUrl,
        updated_at: Date.now(),
      };
      await this.db
        .insertInto('rooms')
        .values(values)
        .onConflict((oc) =>
          oc.column('stream').doUpdateSet({
            title: values.title,
            cover_url: values.cover_url,
            updated_at: values.updated_at,
          }),
        )
        .execute();
      return toRoom(values);
    });
  }

  /** True if there was a room. */
  delete(stream: string): Promise<boolean> {
    return guarded(`delete room ${stream}`, async () => {
      const result = await this.db.deleteFrom('rooms').where('stream', '=', stream).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }
}

function toRoom(row: Selectable<RoomsTable>): Room {
  return { stream: row.stream, title: row.title, coverUrl: row.cover_url, updatedAt: Number(row.updated_at) };
}
