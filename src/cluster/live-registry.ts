/**
 * This node's part in the cluster's live-stream registry (PostgreSQL, several nodes). Each push is
 * claimed in the catalog when it starts; a push another node already holds is refused (early, from the
 * cached view, in the publish guard; or, when two nodes raced within one refresh, by the claim itself,
 * whose loser kicks its publisher). A heartbeat renews this node's claims; a dead node's claims expire
 * after LIVE_CLAIM_TTL_MS, so its streams vanish from every node within that time.
 */
import type { Catalog } from '../catalog/db.js';
import type { LiveStreamEntry } from '../catalog/live-streams.js';
import type { StreamHub } from '../live/hub.js';
import type { LiveStream } from '../live/live-stream.js';
import type { Logger } from '../log.js';

/** How often claims are renewed and the other nodes' streams re-read. */
export const LIVE_HEARTBEAT_MS = 2000;
/** A claim not renewed for this long is gone: a dead node's streams disappear within it. */
export const LIVE_CLAIM_TTL_MS = 4 * LIVE_HEARTBEAT_MS;

export interface LiveRegistryOptions {
  readonly catalog: Catalog;
  readonly hub: StreamHub;
  readonly node: string;
  /** NODE_URL; a function because the HTTP port is known only once bound. */
  readonly nodeUrl: () => string;
  readonly log: Logger;
}

export class LiveRegistry {
  /** The other nodes' live streams as of the last refresh, by `app/stream`. */
  private elsewhere = new Map<string, LiveStreamEntry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LiveRegistryOptions) {}

  async start(): Promise<void> {
    const { catalog, hub, node } = this.options;
    // Claims a crashed run of this node left would block its streams until they expired.
    await catalog.liveStreams.releaseNode(node);
    hub.on('publish', (stream) => void this.claim(stream));
    hub.on('unpublish', (stream) => void this.release(stream));
    await this.refresh();
    this.timer = setInterval(() => void this.beat(), LIVE_HEARTBEAT_MS);
    this.timer.unref();
  }

  /** The node holding `app/stream` when it is live elsewhere (as last seen), else undefined. */
  heldElsewhere(app: string, stream: string): LiveStreamEntry | undefined {
    const entry = this.elsewhere.get(`${app}/${stream}`);
    return entry !== undefined && entry.expiresAt > Date.now() ? entry : undefined;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.options.catalog.liveStreams.releaseNode(this.options.node).catch(() => {});
  }

  private async claim(stream: LiveStream): Promise<void> {
    const { catalog, node, nodeUrl, log } = this.options;
    const now = Date.now();
    try {
      const holder = await catalog.liveStreams.claim(
        {
          streamKey: stream.key,
          node,
          nodeUrl: nodeUrl(),
          sessionId: stream.publisher.sessionId,
          startedAt: stream.publisher.startedAt,
          expiresAt: now + LIVE_CLAIM_TTL_MS,
        },
        now,
      );
      if (holder.sessionId !== stream.publisher.sessionId) {
        log.warn({ stream: stream.key, node: holder.node }, 'stream is live on another node; push refused');
        stream.kick(`${stream.key} is already publishing on node ${holder.node}`);
      }
    } catch (err) {
      // Without the catalog the push goes on locally; the next heartbeat's refresh shows any clash.
      log.warn({ err, stream: stream.key }, 'could not claim the stream in the cluster registry');
    }
  }

  private async release(stream: LiveStream): Promise<void> {
    await this.options.catalog.liveStreams
      .release(stream.key, stream.publisher.sessionId)
      .catch((err) => this.options.log.warn({ err, stream: stream.key }, 'could not release a live stream'));
  }

  private async beat(): Promise<void> {
    try {
      await this.options.catalog.liveStreams.renew(this.options.node, Date.now() + LIVE_CLAIM_TTL_MS);
      await this.refresh();
    } catch (err) {
      this.options.log.warn({ err }, 'cluster registry heartbeat failed');
    }
  }

  private async refresh(): Promise<void> {
    const live = await this.options.catalog.liveStreams.listLive(Date.now());
    this.elsewhere = new Map(
      live.filter((entry) => entry.node !== this.options.node).map((entry) => [entry.streamKey, entry]),
    );
  }
}
