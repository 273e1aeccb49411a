import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { KeyRing } from './auth/key-ring.js';
import { verifyPublishAuth } from './auth/tx-secret.js';
import { type Catalog, openCatalog } from './catalog/db.js';
import { newFileId } from './catalog/ids.js';
import { RecordingCataloger } from './catalog/recording-cataloger.js';
import { ClipMaker } from './clip/clip-maker.js';
import { LiveRegistry } from './cluster/live-registry.js';
import { publicBaseUrl, publicHost } from './config/public-url.js';
import type { Config } from './config/schema.js';
import { buildHttpApp } from './http/app.js';
import { startConsoleLogin } from './http/console-session.js';
import { LiveRelay } from './http/live-relay.js';
import { currentRequestAddress } from './http/request-address.js';
import { LiveHlsService } from './live/hls-service.js';
import { StreamHub } from './live/hub.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { NotificationService } from './notify/service.js';
import { RecordingManager, type RecordingSettings } from './record/manager.js';
import { RecordPlanError } from './record/plan.js';
import { RecordingRemover } from './retention/remove-recording.js';
import { RetentionSettingsStore } from './retention/retention-settings.js';
import { RetentionSweeper } from './retention/sweeper.js';
import { RtmpServer } from './rtmp/server.js';
import type { GuardVerdict, SessionAttempt } from './rtmp/session.js';
import { SnapshotRuleBook } from './snapshot/snapshot-rules.js';
import { type SnapshotAvailability, SnapshotService } from './snapshot/snapshot-service.js';
import { DirectWriteGate } from './storage/direct-writes.js';
import { LocalTarget } from './storage/local-target.js';
import { mediaFilesOf } from './storage/media-files.js';
import { MediaStore } from './storage/media-store.js';
import { openObjectStorage } from './storage/object-storage.js';
import { clearSpillRoot } from './storage/segment-spill.js';
import type { StorageTarget } from './storage/target.js';
import { RecordRuleBook } from './tasks/record-rules.js';
import { banDescription, StreamBanList } from './tasks/stream-bans.js';
import { RecordTaskRunner } from './tasks/task-runner.js';
import { RecordTaskService } from './tasks/task-service.js';
import { TemplateRetention } from './tasks/template-retention.js';
import { PlayGuard, rtmpPlayVerdict } from './vod/play-guard.js';
import { playbackContext } from './vod/playback-context.js';

export interface RunningServer {
  rtmpPort: number;
  httpPort: number;
  hub: StreamHub;
  recordings: RecordingManager;
  catalog: Catalog;
  /** Live HLS packaging (DVR windows and their stats). */
  liveHls: LiveHlsService;
  /** Open RTMP connections, in any state (handshaking, publishing, playing). */
  readonly rtmpConnectionCount: number;
  /** The console password made on this start (the first with no ADMIN_PASSWORD), to show once. */
  readonly generatedAdminPassword: string | undefined;
  /** The push keys in force now (config, or as last set through the API), primary first. */
  readonly pushKeys: readonly string[];
  /** Whether live snapshots are taken, and if not why. */
  readonly snapshots: SnapshotAvailability;
  close(reason?: string): Promise<void>;
}

/** A GOP past this size (a stream with no keyframes for a long time) is not cached. */
const GOP_CACHE_MAX_BYTES = 32 * 1024 * 1024;
/** A live-HLS packager (and a relayed stream's pull kept for it) nobody asked for within this long goes. */
const LIVE_HLS_IDLE_MS = 60_000;
/** Per recording file: how writes are gathered (how often data is forced to the disk is RECORD_SYNC_INTERVAL). */
const FILE_OPTIONS = {
  coalesceBytes: 256 * 1024,
  coalesceMs: 250,
};
const MIB = 1024 * 1024;
/** The settings-table row that holds the global recording setting. */
const RECORDING_SETTINGS_KEY = 'recording';
/**
 * How soon a setting (keys, recording, retention) changed through another node sharing the catalog
 * applies here.
 */
const SHARED_SETTINGS_REFRESH_MS = 5000;

/**
 * Starts every part of one LiveTape process: catalog, crash recovery, RTMP and HTTP listeners.
 * `close()` ends every push and finalizes every recording before it resolves.
 */
export interface StartOptions {
  /**
   * Where recordings are written; default the local media folder (`DATA_DIR/media`). Tests pass a
   * wrapper of a LocalTarget on that folder to play a slow or failing disk (finalizing and repair
   * still read the files there by path).
   */
  storage?: StorageTarget;
}

export async function startServer(
  config: Config,
  log: Logger,
  options: StartOptions = {},
): Promise<RunningServer> {
  const catalog = await openCatalog({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    log: log.child({ component: 'catalog' }),
  });
  const store = new MediaStore(join(config.dataDir, 'media'));
  const hub = new StreamHub({ enabled: config.gopCache, maxBytes: GOP_CACHE_MAX_BYTES });
  hub.on('sinkError', (stream, _sink, error) =>
    log.error({ err: error, stream: stream.key }, 'a stream consumer failed and was detached'),
  );
  const bans = await StreamBanList.load(catalog.settings);
  const rules = await RecordRuleBook.load(catalog.settings);
  const snapshotRules = await SnapshotRuleBook.load(catalog.snapshotRules);
  const keys = await KeyRing.load(catalog.settings, { push: config.pushKey, play: config.playKey });
  if (keys.keys('push').length === 0) {
    log.warn(
      'push authentication is off: anyone who reaches the RTMP port can broadcast (and /watch shows it); set PUSH_KEY or a key in the console',
    );
  }
  const notifications = await NotificationService.start({
    catalog,
    hub,
    config,
    log,
    playKeys: () => keys.keys('play'),
  });
  const node = config.nodeName || hostname();
  // The data folder's disk: recordings and the DVR spill write to it from the main thread while it keeps up.
  const directWrites = new DirectWriteGate({
    enabled: config.recordDirectWrites,
    onSlowWrite: (ms) =>
      log.warn(
        `a write to the local disk took ${Math.round(ms)} ms; recordings and the live DVR write through the I/O thread pool for a minute`,
      ),
  });
  // Before the recorder, which writes through its spool target; recovered files are uploaded too.
  const objectStorage = await openObjectStorage({
    config,
    catalog,
    spool: store,
    log,
    node,
    claimer: `${node}:${process.pid}:${randomUUID().slice(0, 8)}`,
    onFinishing: notifications.onRecordingFinishing,
  });
  const spool = options.storage ?? new LocalTarget(store.root, directWrites);
  const recordings = await RecordingManager.start({
    hub,
    settingsStore: {
      load: () => catalog.settings.get<Partial<RecordingSettings>>(RECORDING_SETTINGS_KEY),
      save: (settings) => catalog.settings.set(RECORDING_SETTINGS_KEY, settings),
    },
    target: objectStorage?.spoolTarget(spool) ?? spool,
    log,
    defaults: {
      formats: [...config.record],
      intervalSec: config.recordInterval,
      hlsResumeWindowSec: config.hlsResumeWindow,
    },
    intervalMinSec: config.recordIntervalMin,
    intervalMaxSec: config.recordIntervalMax,
    hlsSegmentDurationMs: config.hlsSegmentDuration * 1000,
    fileOptions: {
      ...FILE_OPTIONS,
      syncIntervalMs: config.recordSyncInterval * 1000,
      stallTimeoutMs: config.recordWriteTimeout * 1000,
    },
    backlog: {
      stream: { high: config.recordBacklogHigh * MIB, low: config.recordBacklogLow * MIB },
      total: { high: config.recordBacklogTotal * MIB, low: (config.recordBacklogTotal * MIB) / 2 },
    },
    events: new RecordingCataloger(
      catalog.recordings,
      log.child({ component: 'record' }),
      notifications.onRecordingFinishing,
    ),
    newId: newFileId,
    onRecordingStatus: notifications.onRecordingStatus,
    ruleDefaults: (app, stream) => rules.defaultsFor(app, stream),
  });
  const metrics = new Metrics({ hub, catalog, recordings });
  const taskRunner = new RecordTaskRunner({
    hub,
    tasks: catalog.recordTasks,
    recordings,
    log,
    intervalMinSec: config.recordIntervalMin,
    intervalMaxSec: config.recordIntervalMax,
    fileNameTemplatesOf: (templateId) => rules.fileNameTemplatesOf(templateId),
  });
  const tasks = new RecordTaskService(catalog, taskRunner, () => ({
    formats: ['hls'],
    intervalSec: recordings.recordingSettings.intervalSec,
  }));
  if (objectStorage) objectStorage.uploader.stats = metrics;
  await recordings.recover(await catalog.recordings.listOpen());
  await recordings.sweepOrphans((keys) => catalog.recordings.storageKeysKnown(keys));
  await objectStorage?.start();
  const remover = new RecordingRemover({ catalog, store, objects: objectStorage?.objects, log, metrics });
  const files = mediaFilesOf(store, objectStorage?.objects);
  const snapshots = await SnapshotService.start({
    hub,
    catalog,
    store,
    files,
    log,
    intervalSec: config.snapshotInterval,
    width: config.snapshotWidth,
    height: config.snapshotHeight,
    ruleSettings: (app, stream) => snapshotRules.settingsFor(app, stream),
    onTaken: notifications.onSnapshotTaken,
    retentionDays: () => retentionSettings.current.days,
  });
  const clips = new ClipMaker({ catalog, store, files, onFinishing: notifications.onRecordingFinishing });
  const retentionSettings = await RetentionSettingsStore.load(catalog.settings, {
    days: config.retentionDays,
    maxGb: config.retentionMaxGb,
  });
  const templateRetention = new TemplateRetention({ files: catalog.recordTasks, rules, remover, log });
  const retention = new RetentionSweeper({
    catalog,
    remover,
    log,
    metrics,
    policy: retentionSettings.policy,
  });

  // The real ports are known once listening (port 0 picks one); no URL is made before that.
  let httpPort = config.httpPort;
  let rtmpPort = config.rtmpPort;
  // Several nodes share only a PostgreSQL catalog; with SQLite there is one node and nothing to register.
  const cluster =
    catalog.engine === 'postgres'
      ? new LiveRegistry({
          catalog,
          hub,
          node,
          nodeUrl: () => config.nodeUrl || `http://${node}:${httpPort}`,
          log: log.child({ component: 'cluster' }),
        })
      : undefined;
  await cluster?.start();

  const backpressure = { maxLagMs: config.playerMaxBuffer * 1000, minQueuedBytes: 1024 * 1024 };
  const playGuard = new PlayGuard(() => keys.keys('play'), config.signatureMaxTtl);
  const guardPublish = (attempt: SessionAttempt): GuardVerdict => {
    const auth = verifyPublishAuth({
      keys: keys.keys('push'),
      streamName: attempt.address.stream,
      query: attempt.address.query,
      nowSeconds: Math.floor(Date.now() / 1000),
      maxTtlSeconds: config.signatureMaxTtl,
    });
    if (!auth.ok) return { ok: false, code: 'NetStream.Publish.Unauthorized', description: auth.description };
    const ban = bans.banOf(attempt.address.stream);
    if (ban) return { ok: false, code: 'NetStream.Publish.Rejected', description: banDescription(ban) };
    const holder = cluster?.heldElsewhere(attempt.address.app, attempt.address.stream);
    if (holder) {
      const description = `Stream ${holder.streamKey} is already publishing on node ${holder.node}`;
      return { ok: false, code: 'NetStream.Publish.BadName', description };
    }
    try {
      recordings.plan(attempt.address.query);
    } catch (error) {
      if (error instanceof RecordPlanError)
        return { ok: false, code: 'NetStream.Publish.BadName', description: error.message };
      throw error;
    }
    return { ok: true };
  };

  const rtmp = new RtmpServer(
    {
      hub,
      log: log.child({ component: 'rtmp' }),
      maxMessageSize: config.rtmpMaxMessageSize,
      handshakeTimeoutMs: config.rtmpHandshakeTimeout * 1000,
      idleTimeoutMs: config.rtmpIdleTimeout * 1000,
      backpressure,
      guardPublish,
      onPublishRejected: notifications.onPublishRejected,
      guardPlay: (attempt) => rtmpPlayVerdict(playGuard, attempt),
      newSessionId: () => randomUUID(),
    },
    {
      maxConnections: config.rtmpMaxConnections,
      maxConnectionsPerAddress: config.rtmpMaxConnectionsPerAddress,
      readPacingMs: config.rtmpReadPacing,
    },
  );
  // Spill folders a crash left behind hold nothing anyone can play any more.
  await clearSpillRoot(config.dataDir);
  const hls = new LiveHlsService(hub, {
    targetDurationMs: config.hlsSegmentDuration * 1000,
    windowSize: config.hlsLiveWindow,
    dvrWindowMs: config.liveDvrWindow * 1000,
    dataDir: config.dataDir,
    directWrites,
    idleMs: LIVE_HLS_IDLE_MS,
    onSpillError: (stream, err) =>
      log.warn(
        { err, stream: stream.key },
        'a live DVR segment could not be written to disk; the playlist now starts after it',
      ),
  });
  const playback = playbackContext(config, {
    guard: playGuard,
    catalog,
    store,
    objects: objectStorage?.objects,
    hub,
    // Without PUBLIC_URL, answers use the address the client reached us at (see request-address.ts).
    publicBaseUrl: () => requestAddressIfDerived()?.origin ?? publicBaseUrl(config, httpPort),
    rtmpBaseUrl: () => `rtmp://${requestAddressIfDerived()?.hostname ?? publicHost(config)}:${rtmpPort}`,
    playKeys: () => keys.keys('play'),
    retentionDays: () => retentionSettings.current.days,
    latestSnapshot: (app, stream) => snapshots.latest(app, stream),
  });
  function requestAddressIfDerived() {
    return config.publicUrl === '' ? currentRequestAddress() : undefined;
  }
  const consoleLogin = await startConsoleLogin(config, catalog.settings, log);
  const relay = cluster
    ? new LiveRelay(backpressure, {
        service: hls,
        idleMs: LIVE_HLS_IDLE_MS,
        gopLimits: { enabled: config.gopCache, maxBytes: GOP_CACHE_MAX_BYTES },
      })
    : undefined;
  const http = await buildHttpApp({
    hls,
    hlsTargetDurationMs: config.hlsSegmentDuration * 1000,
    dvrWindowSec: config.liveDvrWindow,
    log,
    hub,
    backpressure,
    catalog,
    recordings,
    tasks,
    bans,
    rules,
    snapshotRules,
    api3: {
      secrets: config.tencentApiSecrets,
      domain: { configured: config.pushDomain, shown: config.pushDomain || publicHost(config) },
    },
    notifications,
    intervalMinSec: config.recordIntervalMin,
    intervalMaxSec: config.recordIntervalMax,
    metrics,
    remover,
    clips,
    snapshots: snapshots.availability,
    apiTokens: config.apiTokens,
    recordingUrl: playback.fileUrl,
    corsOrigins: config.corsOrigins,
    maxConnections: config.httpMaxConnections,
    playback,
    keys,
    retention: { settings: retentionSettings, sweeper: retention },
    watchPage: config.watchPage,
    consoleSessions: consoleLogin.sessions,
    storageStatus: objectStorage?.status,
    liveElsewhere: cluster ? (app, stream) => cluster.heldElsewhere(app, stream)?.nodeUrl : undefined,
    relay,
  });

  rtmpPort = await rtmp.listen(config.rtmpPort, config.host);
  await http.listen({ port: config.httpPort, host: config.host });
  const address = http.server.address();
  httpPort = typeof address === 'object' && address ? address.port : config.httpPort;
  notifications.useHttpPort(httpPort);
  retention.start();
  templateRetention.start();
  const sharedSettings = setInterval(async () => {
    try {
      await Promise.all([
        keys.refresh(),
        recordings.refreshSettings(),
        bans.refresh(),
        rules.refresh(),
        snapshotRules.refresh(),
      ]);
      if (await retentionSettings.refresh()) retention.setPolicy(retentionSettings.policy);
    } catch (err) {
      log.warn({ err }, 'could not re-read the settings from the catalog; the last ones stay in force');
    }
  }, SHARED_SETTINGS_REFRESH_MS);
  sharedSettings.unref();

  let closing: Promise<void> | undefined;
  return {
    rtmpPort,
    httpPort,
    hub,
    recordings,
    catalog,
    liveHls: hls,
    generatedAdminPassword: consoleLogin.generatedPassword,
    snapshots: snapshots.availability,
    get pushKeys() {
      return keys.keys('push');
    },
    get rtmpConnectionCount() {
      return rtmp.connectionCount;
    },
    close(reason = 'shutdown') {
      closing ??= (async () => {
        log.info({ reason }, 'shutting down: ending pushes and finalizing recordings');
        await rtmp.close('shutdown');
        await cluster?.close();
        relay?.close();
        await hls.close();
        await taskRunner.close();
        await recordings.close();
        await snapshots.close();
        await objectStorage?.close();
        clearInterval(sharedSettings);
        await retention.close();
        await templateRetention.close();
        await notifications.close();
        await http.close();
        await catalog.close();
      })();
      return closing;
    },
  };
}
