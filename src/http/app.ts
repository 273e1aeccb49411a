import cors from '@fastify/cors';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { Catalog } from '../catalog/db.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { ClipMaker } from '../clip/clip-maker.js';
import type { BackpressureOptions } from '../live/backpressure.js';
import type { LiveHlsService } from '../live/hls-service.js';
import type { StreamHub } from '../live/hub.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { NotificationService } from '../notify/service.js';
import type { RecordingManager } from '../record/manager.js';
import type { RecordingRemover } from '../retention/remove-recording.js';
import type { SnapshotRuleBook } from '../snapshot/snapshot-rules.js';
import type { SnapshotAvailability } from '../snapshot/snapshot-service.js';
import type { StorageStatus } from '../storage/object-storage.js';
import type { RecordRuleBook } from '../tasks/record-rules.js';
import type { StreamBanList } from '../tasks/stream-bans.js';
import type { RecordTaskService } from '../tasks/task-service.js';
import { liveActions } from '../tencent-api3/actions.js';
import type { PushDomain } from '../tencent-api3/domain.js';
import { registerTencentApi3 } from '../tencent-api3/endpoint.js';
import { corsOptions } from '../vod/cors.js';
import type { PlaybackContext } from '../vod/playback-context.js';
import { registerApiAuth } from './api-auth.js';
import { addApiSchemas } from './api-schemas.js';
import { registerClipRoutes } from './clips-routes.js';
import { type ConsoleApiDeps, registerConsoleApi } from './console-api.js';
import type { ConsoleSessions } from './console-session.js';
import { codeOfStatus, sendError } from './errors.js';
import type { LiveRelay } from './live-relay.js';
import { registerLiveRoutes } from './live-routes.js';
import { registerMetricsRoutes } from './metrics-routes.js';
import { registerNotificationRoutes } from './notifications-routes.js';
import { registerOpenApi } from './openapi.js';
import { registerPlaybackAuth } from './playback-auth.js';
import { registerRecordRuleRoutes } from './record-rules-routes.js';
import { registerRecordTaskRoutes } from './record-tasks-routes.js';
import { registerRecordingRoutes } from './recordings-routes.js';
import { registerReplayRoutes } from './replay-routes.js';
import { registerRequestAddress } from './request-address.js';
import { registerSnapshotRoutes } from './snapshot-routes.js';
import { registerStreamBanRoutes } from './stream-bans-routes.js';
import { registerStreamRoutes } from './streams-routes.js';
import { registerTencentRoutes } from './tencent-routes.js';
import { registerVodRoutes } from './vod-routes.js';
import { registerWebPages } from './web-pages.js';

export interface HttpAppDeps extends ConsoleApiDeps {
  log: Logger;
  hub: StreamHub;
  backpressure: BackpressureOptions;
  catalog: Catalog;
  recordings: RecordingManager;
  tasks: RecordTaskService;
  /** Recording templates and rules. */
  rules: RecordRuleBook;
  /** Snapshot templates and rules. */
  snapshotRules: SnapshotRuleBook;
  /** ForbidLiveStream: banned stream names. */
  bans: StreamBanList;
  /** Tencent Cloud API 3.0: TENCENT_API_SECRETS (the endpoint is off when empty) and the push domain. */
  api3: { secrets: ReadonlyMap<string, string>; domain: PushDomain };
  intervalMinSec: number;
  intervalMaxSec: number;
  hls: LiveHlsService;
  hlsTargetDurationMs: number;
  /** LIVE_DVR_WINDOW (s). */
  dvrWindowSec: number;
  notifications: NotificationService;
  metrics: Metrics;
  remover: RecordingRemover;
  clips: ClipMaker;
  /** Whether live snapshots are taken, and if not why: /healthz says so. */
  snapshots: SnapshotAvailability;
  /** API_TOKENS: bearer tokens of the REST API and /metrics. */
  apiTokens: readonly string[];
  /** The playback URL of a recording, as the APIs hand it out. */
  recordingUrl(row: RecordingRow): string;
  /** CORS_ORIGINS */
  corsOrigins: readonly string[];
  /** HTTP_MAX_CONNECTIONS */
  maxConnections: number;
  playback: PlaybackContext;
  /** Console login: its routes, and the cookie that authorizes the API. */
  consoleSessions: ConsoleSessions;
  /** Clusters: the NODE_URL of the node a stream not live here is live on, if any. */
  liveElsewhere?: (app: string, stream: string) => string | undefined;
  /** Clusters: this node's shared pulls of streams live on other nodes. */
  relay?: LiveRelay;
  /** With STORAGE=s3: the bucket and its upload outbox, for /healthz and /api/v1/storage. */
  storageStatus?: () => Promise<StorageStatus>;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** The one HTTP surface: API, live playback, and (in later issues) VOD playback and the console. */
export async function buildHttpApp(deps: HttpAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Segment and API polling would flood the log; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Shutdown runs after pushes have ended and recordings are final: a download whose client stopped
    // reading must not keep the process alive.
    forceCloseConnections: true,
    // A client must send its whole request within this time (slowloris); answers may stream for longer.
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Errors met before routing (a malformed URL) answer in the catalogue's shape too.
    frameworkErrors: (error, _request, reply) => {
      sendError(reply, codeOfStatus(error.statusCode ?? 400), error.message);
    },
  });
  app.server.maxConnections = deps.maxConnections;
  // No response is ever to be sniffed into another type (a recorded file or an error as HTML/script).
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });
  await app.register(cors, corsOptions(deps.corsOrigins));
  // Before any route: the auth hook and the OpenAPI collector must see every route registered after.
  registerApiAuth(app, {
    tokens: deps.apiTokens,
    isConsoleSession: (request) => deps.consoleSessions.hasSession(request),
    publicUrl: deps.consoleSessions.publicUrl,
  });
  registerPlaybackAuth(app, deps.playback.guard);
  registerRequestAddress(app);
  addApiSchemas(app);
  await registerOpenApi(app);
  // Every error leaves in one shape, naming the parameter when validation failed.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      const first = error.validation[0];
      const param = first?.instancePath
        ? first.instancePath.slice(1).replaceAll('/', '.')
        : ((first?.params as { missingProperty?: string; additionalProperty?: string } | undefined)
            ?.missingProperty ??
          (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty ??
          where);
      return sendError(
        reply,
        'bad_request',
        `${where} parameter "${param}" ${first?.message ?? 'is invalid'}`,
      );
    }
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(reply, codeOfStatus(status), status >= 500 ? 'internal error' : error.message);
  });
  // Unknown routes answer in the same shape as every other error (docs/api.md "Errors").
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      'not_found',
      `no route ${request.method} ${request.url.split('?', 1)[0]!.slice(0, 200)}`,
    ),
  );
  registerMetricsRoutes(app, deps);
  registerStreamRoutes(app, deps);
  registerLiveRoutes(app, deps);
  registerRecordingRoutes(app, deps);
  registerRecordTaskRoutes(app, deps);
  registerStreamBanRoutes(app, deps);
  registerRecordRuleRoutes(app, deps.rules);
  registerClipRoutes(app, deps);
  registerNotificationRoutes(app, deps);
  registerVodRoutes(app, deps.playback);
  registerSnapshotRoutes(app, deps.playback);
  registerReplayRoutes(app, deps.playback);
  registerTencentRoutes(app, deps.playback, deps.tasks);
  await registerTencentApi3(app, {
    secrets: deps.api3.secrets,
    actions: liveActions({
      tasks: deps.tasks,
      hub: deps.hub,
      bans: deps.bans,
      rules: deps.rules,
      snapshotRules: deps.snapshotRules,
      domain: deps.api3.domain,
    }),
    log: deps.log,
  });
  registerConsoleApi(app, deps);
  deps.consoleSessions.register(app);
  await registerWebPages(app, { watchPage: deps.watchPage });
  return app;
}
