/**
 * Event notifications for one LiveTape process: turns push starts and ends, refused publishes and
 * finished recordings into outbox rows — each in the transaction of its cause — and runs the delivery
 * worker. The push log (`pushes`) is kept whether or not any callback URL is set.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { FailureThrottle } from '../auth/failure-throttle.js';
import type { Catalog } from '../catalog/db.js';
import { newFileId } from '../catalog/ids.js';
import type { NotificationRow } from '../catalog/notifications.js';
import type { PushStart } from '../catalog/pushes.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { FinishExtra } from '../catalog/recordings.js';
import type { Database } from '../catalog/schema.js';
import type { SnapshotExtra } from '../catalog/snapshots.js';
import { publicBaseUrl, publicHost } from '../config/public-url.js';
import type { Config } from '../config/schema.js';
import { bucketUrl, playUrlSigner, snapshotUrl, vodUrl } from '../http/vod-url.js';
import type { StreamHub } from '../live/hub.js';
import type { EndReason, LiveStream, PublisherInfo } from '../live/live-stream.js';
import type { Logger } from '../log.js';
import type { RecordingStatus } from '../record/manager.js';
import type { GuardVerdict, SessionAttempt } from '../rtmp/session.js';
import {
  EventType,
  type PayloadOrigin,
  type PushEndDetail,
  pushEndedPayload,
  pushStartedPayload,
  type RecordEvent,
  recordingPayload,
  recordingStatusPayload,
  snapshotPayload,
} from './payloads.js';
import { PUBLISH_REJECTED, PUSH_LOST_IN_CRASH, pushEndCode } from './push-end-codes.js';
import {
  type CallbackOverrides,
  type CallbackSettings,
  type CallbackSettingsPatch,
  type KeySource,
  keySource,
  settingsFromConfig,
  urlFor,
} from './settings.js';
import { CallbackSettingsStore } from './settings-store.js';
import { DeliveryWorker } from './worker.js';

export interface NotificationServiceOptions {
  readonly catalog: Catalog;
  readonly hub: StreamHub;
  readonly config: Config;
  /** The play keys in force now (they change at run time); default: PLAY_KEY. */
  readonly playKeys?: () => readonly string[];
  readonly log: Logger;
  /** Delivery poll period; tests shorten it. */
  readonly pollMs?: number;
}

/** How stale this node's copy of the callback settings may get when another node changes them. */
const SETTINGS_MAX_AGE_MS = 1000;

export type RedeliverOutcome =
  | { readonly row: NotificationRow }
  | { readonly refused: 'not_found' | 'pending' };

/** Refused publishes recorded (catalog row and callback) per remote address and minute. */
export const REFUSALS_PER_MINUTE = 10;
/** Characters of a refused publish's query string that are stored (and sent in its callback). */
export const MAX_REFUSED_STREAM_PARAM = 512;

export class NotificationService {
  private readonly log: Logger;
  private readonly origin: PayloadOrigin;
  private readonly worker: DeliveryWorker;
  private publicBase: string;
  /** With a play key set, `video_url` is signed (valid 24 h from the callback) so the receiver can play it. */
  private readonly playKeys: () => readonly string[];
  /** Each push's start write, so its end is written after it even on a pool of connections. */
  private readonly pushStarts = new Map<string, Promise<void>>();
  private readonly writes = new Set<Promise<void>>();

  private constructor(
    private readonly options: NotificationServiceOptions,
    private readonly store: CallbackSettingsStore,
  ) {
    const { config, catalog } = options;
    this.log = options.log.child({ component: 'notify' });
    this.origin = { appid: config.appid, host: publicHost(config), node: config.nodeName || hostname() };
    this.publicBase = publicBaseUrl(config, config.httpPort);
    this.playKeys = options.playKeys ?? (() => config.playKey);
    this.worker = new DeliveryWorker({
      outbox: catalog.notifications,
      settings: () => store.current,
      beforeClaim: () => store.refreshIfStale(),
      log: this.log,
      claimer: `${this.origin.node}:${process.pid}:${randomUUID().slice(0, 8)}`,
      pollMs: options.pollMs,
      maxInFlight: config.callbackConcurrency,
    });
  }

  /** Loads the settings, closes this node's pushes a crash left open, and starts delivering. */
  static async start(options: NotificationServiceOptions): Promise<NotificationService> {
    const store = new CallbackSettingsStore(
      options.catalog.settings,
      settingsFromConfig(options.config),
      SETTINGS_MAX_AGE_MS,
    );
    await store.refresh();
    const service = new NotificationService(options, store);
    service.warnIfUnsigned();
    await service.closeCrashedPushes();
    options.hub.on('publish', (stream) => service.onPublish(stream));
    options.hub.on('unpublish', (stream, reason) => service.onUnpublish(stream, reason));
    // Recording rows are committed by the recorder; wake the worker once they are.
    options.catalog.events.on('recordingFinished', () => service.worker.wake());
    service.worker.wake();
    return service;
  }

  /** The HTTP port is known only after listening (0 picks one): `video_url`s use it from then on. */
  useHttpPort(port: number): void {
    this.publicBase = publicBaseUrl(this.options.config, port);
  }

  get settings(): CallbackSettings {
    return this.store.current;
  }

  get overrides(): CallbackOverrides {
    return this.store.currentOverrides;
  }

  get keySource(): KeySource {
    return keySource(this.options.config, this.store.currentOverrides);
  }

  async updateSettings(patch: CallbackSettingsPatch): Promise<CallbackSettings> {
    const settings = await this.store.update(patch);
    this.warnIfUnsigned();
    return settings;
  }

  /** Delivered or dead → pending now, to the event's current receiver when one is configured. */
  async redeliver(id: string): Promise<RedeliverOutcome> {
    const existing = await this.options.catalog.notifications.get(id);
    if (existing === undefined) return { refused: 'not_found' };
    const url = urlFor(this.store.current.urls, existing.eventType as EventType) || undefined;
    const result = await this.options.catalog.notifications.redeliver(id, Date.now(), url);
    if ('row' in result) this.worker.wake();
    return result;
  }

  /** For RecordingManager: writes a finished file's callback in the transaction that finishes it. */
  readonly onRecordingFinishing: FinishExtra = async (trx, row) => {
    const url = urlFor(this.store.current.urls, EventType.recordingFile);
    if (url === '') return;
    const push = await this.options.catalog.pushes.get(row.sessionId, trx);
    await this.enqueue(
      trx,
      row,
      EventType.recordingFile,
      url,
      this.recordingPayloadOf(row, push?.userIp ?? ''),
    );
  };

  /**
   * For RecordingManager: event 332, one per format, when a recording starts or cannot start, is paused
   * or resumed by storage, fails, or ends (all its files cataloged, so after their event 100).
   */
  readonly onRecordingStatus = (status: RecordingStatus): void => {
    const url = urlFor(this.store.current.urls, EventType.recordingStatus);
    if (url === '') return;
    const event = RECORD_EVENTS[status.event];
    const { publisher } = status.stream;
    const write = this.options.catalog.transaction(async (trx) => {
      for (const format of status.formats) {
        const payload = recordingStatusPayload(this.origin, {
          event,
          app: publisher.app,
          stream: publisher.stream,
          sessionId: publisher.sessionId,
          taskId: status.taskId,
          format,
          seq: newFileId(),
          eventTimeMs: Date.now(),
          detail: status.error?.message,
        });
        await this.enqueue(trx, publisher, EventType.recordingStatus, url, payload);
      }
    });
    this.track(write);
  };

  /** For the snapshot service: writes callback 200 in the transaction that catalogs the snapshot. */
  readonly onSnapshotTaken: SnapshotExtra = async (trx, row) => {
    const url = urlFor(this.store.current.urls, EventType.screenshot);
    if (url === '') return;
    const picFullUrl = snapshotUrl(this.publicBase, row, playUrlSigner(this.playKeys()));
    await this.enqueue(
      trx,
      row,
      EventType.screenshot,
      url,
      snapshotPayload(this.origin, row, { picFullUrl, eventTimeMs: Date.now() }),
    );
  };

  /** For the RTMP server: a refused publish is reported as a push end with errcode 18, never as a start. */
  readonly onPublishRejected = (attempt: SessionAttempt, verdict: GuardVerdict): void => {
    const userIp = plainIp(attempt.remoteAddress);
    // Anyone who reaches the RTMP port can be refused, as often as they like: each address gets a few
    // rows and callbacks a minute, and what it sent is stored cut short.
    if (this.refusals.retryAfterMs(userIp) > 0) return;
    this.refusals.recordFailure(userIp);
    const now = Date.now();
    const push: PushStart = {
      sessionId: randomUUID(),
      app: attempt.address.app,
      stream: attempt.address.stream,
      streamParam: attempt.address.streamParam.slice(0, MAX_REFUSED_STREAM_PARAM),
      userIp,
      node: this.origin.node,
      startedAt: now,
    };
    const detail = verdict.ok ? undefined : verdict.description;
    this.track(this.writeEnd(push, { endedAt: now, endReason: 'rejected', ...PUBLISH_REJECTED, detail }));
  };

  /** Refused publishes recorded per address (the login throttle's bookkeeping: attempts per window). */
  private readonly refusals = new FailureThrottle({ maxFailures: REFUSALS_PER_MINUTE, windowMs: 60_000 });

  /** Anyone can forge a callback signed with an empty key: say so, but only when callbacks are on. */
  private warnIfUnsigned(): void {
    const { key, urls } = this.store.current;
    if (key === '' && Object.values(urls).some((url) => url !== '')) {
      this.log.warn(
        'no CALLBACK_KEY: callbacks are signed with an empty key, so a receiver cannot tell them from forgeries',
      );
    }
  }

  /** Waits for pending writes (the pushes ended by shutdown) and stops the worker. */
  async close(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
    await this.worker.close();
  }

  private onPublish(stream: LiveStream): void {
    const push = this.pushOf(stream.publisher);
    const url = urlFor(this.store.current.urls, EventType.pushStarted);
    const write = this.options.catalog.transaction(async (trx) => {
      await this.options.catalog.pushes.insertStarted(push, trx);
      if (url !== '')
        await this.enqueue(trx, push, EventType.pushStarted, url, pushStartedPayload(this.origin, push));
    });
    const started = this.track(write);
    this.pushStarts.set(push.sessionId, started);
  }

  private onUnpublish(stream: LiveStream, reason: EndReason): void {
    const push = this.pushOf(stream.publisher);
    const started = this.pushStarts.get(push.sessionId) ?? Promise.resolve();
    this.pushStarts.delete(push.sessionId);
    const end: PushEndDetail = { endedAt: Date.now(), endReason: reason, ...pushEndCode(reason) };
    this.track(started.then(() => this.writeEnd(push, end)));
  }

  /** After a crash nobody reported this node's pushes as ended; do it now (SQLite: one node, all of them). */
  private async closeCrashedPushes(): Promise<void> {
    const { catalog } = this.options;
    const open = await catalog.pushes.listOpen(catalog.engine === 'sqlite' ? undefined : this.origin.node);
    const now = Date.now();
    for (const push of open) {
      await this.writeEnd(push, { endedAt: now, endReason: 'crashed', ...PUSH_LOST_IN_CRASH });
    }
    if (open.length > 0)
      this.log.warn({ pushes: open.length }, 'notify: reported pushes a crash left open as ended');
    const released = await catalog.notifications.releaseClaimsOfNode(this.origin.node, now);
    if (released > 0) this.log.warn({ released }, 'notify: callbacks a crash left mid-attempt are due again');
  }

  private async writeEnd(push: PushStart, end: PushEndDetail): Promise<void> {
    const url = urlFor(this.store.current.urls, EventType.pushEnded);
    const { detail: _detail, ...logged } = end;
    await this.options.catalog.transaction(async (trx) => {
      await this.options.catalog.pushes.end(push, logged, trx);
      if (url !== '')
        await this.enqueue(trx, push, EventType.pushEnded, url, pushEndedPayload(this.origin, push, end));
    });
  }

  private async enqueue(
    trx: Kysely<Database>,
    on: { app: string; stream: string },
    eventType: EventType,
    url: string,
    payload: string,
  ): Promise<void> {
    await this.options.catalog.notifications.enqueue(
      { eventType, streamKey: `${on.app}/${on.stream}`, url, payload },
      trx,
    );
  }

  private recordingPayloadOf(row: RecordingRow, userIp: string): string {
    return recordingPayload(this.origin, row, {
      videoUrl:
        bucketUrl(this.options.config, row.storageKey) ??
        vodUrl(this.publicBase, row, playUrlSigner(this.playKeys())),
      userIp,
      eventTimeMs: Date.now(),
    });
  }

  private pushOf(publisher: PublisherInfo): PushStart {
    return {
      sessionId: publisher.sessionId,
      app: publisher.app,
      stream: publisher.stream,
      streamParam: publisher.streamParam,
      userIp: plainIp(publisher.remoteAddress),
      node: this.origin.node,
      startedAt: publisher.startedAt,
    };
  }

  /** Commits wake the worker; failures are logged (the cause already happened and cannot be undone). */
  private track(write: Promise<void>): Promise<void> {
    const tracked = write.then(
      () => this.worker.wake(),
      (error: unknown) =>
        this.log.error({ err: error }, 'notify: writing a push event failed; its callback is lost'),
    );
    this.writes.add(tracked);
    void tracked.finally(() => this.writes.delete(tracked));
    return tracked;
  }
}

/** `::ffff:1.2.3.4` is how Node reports an IPv4 peer on a dual-stack socket; receivers expect `1.2.3.4`. */
function plainIp(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

const RECORD_EVENTS: Record<RecordingStatus['event'], RecordEvent> = {
  started: 'record_start_succeeded',
  start_failed: 'record_start_failed',
  paused: 'record_paused',
  resumed: 'record_resumed',
  error: 'record_error',
  ended: 'record_ended',
};
