/**
 * Banned stream names (Tencent's ForbidLiveStream): a push of a banned name is refused with the ban's
 * reason until the ban lifts. Matched on the stream name alone, as the reference does by default. The
 * publish guard is synchronous, so the list lives in memory: written through to the catalog's settings
 * (shared by every node) and re-read with the other shared settings.
 */
import type { SettingsRepository } from '../catalog/settings.js';

export interface StreamBan {
  readonly stream: string;
  /** The app named when banning (informational: the ban covers the name in every app). */
  readonly app: string;
  readonly reason: string;
  /** ms since the epoch */
  readonly resumeAt: number;
  readonly createdAt: number;
}

const SETTINGS_KEY = 'stream-bans';
/** The reference's default and longest ban. */
export const DEFAULT_BAN_MS = 7 * 86400_000;
export const MAX_BAN_MS = 90 * 86400_000;

export class StreamBanList {
  private bans = new Map<string, StreamBan>();
  /** Bumped by every write: a refresh that read before a write must not undo it. */
  private writes = 0;

  private constructor(private readonly settings: Pick<SettingsRepository, 'get' | 'set'>) {}

  static async load(settings: Pick<SettingsRepository, 'get' | 'set'>): Promise<StreamBanList> {
    const list = new StreamBanList(settings);
    await list.refresh();
    return list;
  }

  async refresh(): Promise<void> {
    const writes = this.writes;
    const stored = (await this.settings.get<StreamBan[]>(SETTINGS_KEY)) ?? [];
    if (writes === this.writes) this.bans = new Map(stored.map((ban) => [ban.stream, ban]));
  }

  /** The ban in force on this stream name at `now`, if any. */
  banOf(stream: string, now = Date.now()): StreamBan | undefined {
    const ban = this.bans.get(stream);
    return ban !== undefined && ban.resumeAt > now ? ban : undefined;
  }

  /** Bans in force, by stream name. */
  list(now = Date.now()): StreamBan[] {
    return [...this.bans.values()]
      .filter((ban) => ban.resumeAt > now)
      .sort((a, b) => a.stream.localeCompare(b.stream));
  }

  async forbid(ban: Omit<StreamBan, 'createdAt'>): Promise<StreamBan> {
    const stored: StreamBan = { ...ban, createdAt: Date.now() };
    await this.write((bans) => bans.set(ban.stream, stored));
    return stored;
  }

  /** True if a ban was lifted. */
  async resume(stream: string): Promise<boolean> {
    const had = this.banOf(stream) !== undefined;
    await this.write((bans) => bans.delete(stream));
    return had;
  }

  private async write(change: (bans: Map<string, StreamBan>) => void): Promise<void> {
    this.writes++;
    await this.refresh().catch(() => undefined);
    const next = new Map(this.bans);
    change(next);
    const now = Date.now();
    for (const [stream, ban] of next) if (ban.resumeAt <= now) next.delete(stream);
    await this.settings.set(SETTINGS_KEY, [...next.values()]);
    this.writes++;
    this.bans = next;
  }
}

/** How a refused push is told, and what callback 0 carries as `detail`. */
export function banDescription(ban: StreamBan): string {
  const until = new Date(ban.resumeAt).toISOString();
  return ban.reason === ''
    ? `stream is forbidden until ${until}`
    : `stream is forbidden until ${until}: ${ban.reason}`;
}
