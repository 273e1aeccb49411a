import cors from '@fastify/cors';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { Catalog } from '../catalog/db.js';
import type { BackpressureOptions } from '../live/backpressure.js';
import type { LiveHlsService } from '../live/hls-service.js';
import type { StreamHub } from '../live/hub.js';
import type { Logger } from '../log.js';
import type { RecordingManager } from '../record/manager.js';
import { registerLiveRoutes } from './live-routes.js';
import { registerRecordingRoutes } from './recordings-routes.js';
import { registerStreamRoutes } from './streams-routes.js';

export interface HttpAppDeps {
  log: Logger;
  hub: StreamHub;
  backpressure: BackpressureOptions;
  catalog: Catalog;
  recordings: RecordingManager;
  intervalMinSec: number;
  intervalMaxSec: number;
  hls: LiveHlsService;
  hlsTargetDurationMs: number;
}

/** The one HTTP surface: API, live playback, and (in later issues) VOD playback and the console. */
export async function buildHttpApp(deps: HttpAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Segment and API polling would flood the log; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(cors, { origin: true });
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
  app.get('/healthz', async () => ({ status: 'ok' }));
  registerStreamRoutes(app, deps.hub);
  registerLiveRoutes(app, deps);
  registerRecordingRoutes(app, deps);
  return app;
}
