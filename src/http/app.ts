import cors from '@fastify/cors';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { Catalog } from '../catalog/db.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { BackpressureOptions } from '../live/backpressure.js';
import type { LiveHlsService } from '../live/hls-service.js';
import type { StreamHub } from '../live/hub.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { NotificationService } from '../notify/service.js';
import type { RecordingManager } from '../record/manager.js';
import type { RecordingRemover } from '../retention/remove-recording.js';
import type { StorageStatus } from '../storage/object-storage.js';
import { corsOptions } from '../vod/cors.js';
import { registerLivePlayAuth } from '../vod/live-play-auth.js';
import type { PlaybackContext } from '../vod/playback-context.js';
import { registerApiAuth } from './api-auth.js';
import { addApiSchemas } from './api-schemas.js';
import { type ConsoleApiDeps, registerConsoleApi } from './console-api.js';
import type { ConsoleSessions } from './console-session.js';
import { registerLiveRoutes } from './live-routes.js';
import { registerMetricsRoutes } from './metrics-routes.js';
import { registerNotificationRoutes } from './notifications-routes.js';
import { registerOpenApi } from './openapi.js';
import { registerRecordingRoutes } from './recordings-routes.js';
import { registerReplayRoutes } from './replay-routes.js';
import { registerRequestAddress } from './request-address.js';
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
  intervalMinSec: number;
  intervalMaxSec: number;
  hls: LiveHlsService;
  hlsTargetDurationMs: number;
  notifications: NotificationService;
  metrics: Metrics;
  remover: RecordingRemover;
  /** API_TOKENS: bearer tokens of the REST API and /metrics. */
  apiTokens: readonly string[];
  /** The playback URL of a recording, as the APIs hand it out. */
  recordingUrl(row: RecordingRow): string;
  /** CORS_ORIGINS */
  corsOrigins: readonly string[];
  playback: PlaybackContext;
  /** Console login: its routes, and the cookie that authorizes the API. */
  consoleSessions: ConsoleSessions;
  /** Clusters: the NODE_URL of the node a stream not live here is live on, if any. */
  liveElsewhere?: (app: string, stream: string) => string | undefined;
  /** With STORAGE=s3: the bucket and its upload outbox, for /healthz and /api/v1/storage. */
  storageStatus?: () => Promise<StorageStatus>;
}

/** The one HTTP surface: API, live playback, and (in later issues) VOD playback and the console. */
export async function buildHttpApp(deps: HttpAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Segment and API polling would flood the log; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Shutdown runs after pushes have ended and recordings are final: a download whose client stopped
    // reading must not keep the process alive.
    forceCloseConnections: true,
  });
  await app.register(cors, corsOptions(deps.corsOrigins));
  // Before any route: the auth hook and the OpenAPI collector must see every route registered after.
  registerApiAuth(app, {
    tokens: deps.apiTokens,
    isConsoleSession: (request) => deps.consoleSessions.hasSession(request),
    publicUrl: deps.consoleSessions.publicUrl,
  });
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
      return reply.code(400).send({
        error: 'bad_request',
        message: `${where} parameter "${param}" ${first?.message ?? 'is invalid'}`,
      });
    }
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({
      error: status >= 500 ? 'internal_error' : 'bad_request',
      message: status >= 500 ? 'internal error' : error.message,
    });
  });
  registerMetricsRoutes(app, deps);
  registerStreamRoutes(app, deps);
  registerLivePlayAuth(app, deps.playback.guard);
  registerLiveRoutes(app, deps);
  registerRecordingRoutes(app, deps);
  registerNotificationRoutes(app, deps);
  registerVodRoutes(app, deps.playback);
  registerReplayRoutes(app, deps.playback);
  registerTencentRoutes(app, deps.playback);
  registerConsoleApi(app, deps);
  deps.consoleSessions.register(app);
  await registerWebPages(app, { watchPage: deps.watchPage });
  return app;
}
