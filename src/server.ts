import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { verifyPublishAuth } from './auth/tx-secret.js';
import { openCatalog } from './catalog/db.js';
import { publicBaseUrl } from './config/public-url.js';
import type { Config } from './config/schema.js';
import { buildHttpApp } from './http/app.js';
import { playUrlSigner, vodUrl } from './http/vod-url.js';
import { LiveHlsService } from './live/hls-service.js';
import { StreamHub } from './live/hub.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { NotificationService } from './notify/service.js';
import { RecordingManager } from './record/manager.js';
import { RecordPlanError } from './record/plan.js';
import { RecordingRemover } from './retention/remove-recording.js';
import { RetentionSweeper, retentionPolicy } from './retention/sweeper.js';
import { RtmpServer } from './rtmp/server.js';
import type { GuardVerdict, SessionAttempt } from './rtmp/session.js';
import { MediaStore } from './storage/media-store.js';
import { PlayGuard, rtmpPlayVerdict } from './vod/play-guard.js';
import { playbackContext } from './vod/playback-context.js';

export interface RunningServer {
  rtmpPort: number;
  httpPort: number;
  hub: StreamHub;
  recordings: RecordingManager;
  /** Open RTMP connections, in any state (handshaking, publishing, playing). */
  readonly rtmpConnectionCount: number;
  close(reason?: string): Promise<void>;
}

/** A GOP past this size (a stream with no keyframes for a long time) is not cached. */
const GOP_CACHE_MAX_BYTES = 32 * 1024 * 1024;
/** Per recording file: what may wait for the disk, and how often data is forced to it. */
const FILE_OPTIONS = {
  maxPendingBytes: 16 * 1024 * 1024,
  syncIntervalMs: 1000,
  coalesceBytes: 256 * 1024,
  coalesceMs: 250,
};

/**
 * Starts every part of one LiveTape process: catalog, crash recovery, RTMP and HTTP listeners.
 * `close()` ends every push and finalizes every recording before it resolves.
 */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
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
  const notifications = await NotificationService.start({ catalog, hub, config, log });
  const recordings = await RecordingManager.start({
    hub,
    catalog,
    store,
    log,
    defaults: { formats: [...config.record], intervalSec: config.recordInterval },
    intervalMinSec: config.recordIntervalMin,
    intervalMaxSec: config.recordIntervalMax,
    hlsSegmentDurationMs: config.hlsSegmentDuration * 1000,
    hlsResumeWindowMs: config.hlsResumeWindow * 1000,
    fileOptions: FILE_OPTIONS,
    onFinishing: notifications.onRecordingFinishing,
  });
  const metrics = new Metrics({ hub, catalog, recordings });
  await recordings.recover();
  const remover = new RecordingRemover({ catalog, store, log, metrics });
  const retention = new RetentionSweeper({ catalog, remover, log, metrics, policy: retentionPolicy(config) });

  const backpressure = { maxLagMs: config.playerMaxBuffer * 1000, minQueuedBytes: 1024 * 1024 };
  const playGuard = new PlayGuard(config.playKey);
  const guardPublish = (attempt: SessionAttempt): GuardVerdict => {
    const auth = verifyPublishAuth({
      keys: config.pushKey,
      streamName: attempt.address.stream,
      query: attempt.address.query,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (!auth.ok) return { ok: false, code: 'NetStream.Publish.Unauthorized', description: auth.description };
    try {
      recordings.plan(attempt.address.query);
    } catch (error) {
      if (error instanceof RecordPlanError)
        return { ok: false, code: 'NetStream.Publish.BadName', description: error.message };
      throw error;
    }
    return { ok: true };
  };

  const rtmp = new RtmpServer({
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
  });
  const hls = new LiveHlsService(hub, {
    targetDurationMs: config.hlsSegmentDuration * 1000,
    windowSize: config.hlsLiveWindow,
    idleMs: 60_000,
  });
  // The real port is known once listening (HTTP_PORT 0 picks one); no URL is made before that.
  let httpPort = config.httpPort;
  const playSigner = playUrlSigner(config.playKey);
  const playback = playbackContext(config, {
    guard: playGuard,
    catalog,
    store,
    hub,
    publicBaseUrl: () => publicBaseUrl(config, httpPort),
  });
  const http = await buildHttpApp({
    hls,
    hlsTargetDurationMs: config.hlsSegmentDuration * 1000,
    log,
    hub,
    backpressure,
    catalog,
    recordings,
    notifications,
    intervalMinSec: config.recordIntervalMin,
    intervalMaxSec: config.recordIntervalMax,
    metrics,
    remover,
    apiTokens: config.apiTokens,
    recordingUrl: (row) => vodUrl(publicBaseUrl(config, httpPort), row, playSigner),
    corsOrigins: config.corsOrigins,
    playback,
  });

  const rtmpPort = await rtmp.listen(config.rtmpPort, config.host);
  await http.listen({ port: config.httpPort, host: config.host });
  const address = http.server.address();
  httpPort = typeof address === 'object' && address ? address.port : config.httpPort;
  notifications.useHttpPort(httpPort);
  retention.start();

  let closing: Promise<void> | undefined;
  return {
    rtmpPort,
    httpPort,
    hub,
    recordings,
    get rtmpConnectionCount() {
      return rtmp.connectionCount;
    },
    close(reason = 'shutdown') {
      closing ??= (async () => {
        log.info({ reason }, 'shutting down: ending pushes and finalizing recordings');
        await rtmp.close('shutdown');
        hls.close();
        await recordings.close();
        await retention.close();
        await notifications.close();
        await http.close();
        await catalog.close();
      })();
      return closing;
    },
  };
}
