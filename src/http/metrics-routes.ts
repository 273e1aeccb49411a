/**
 * The operator's two endpoints: `GET /metrics` (Prometheus text; guarded like the API, see api-auth.ts)
 * and `GET /healthz` (public, for load balancers: 200 while the catalog answers, else 503).
 */
import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../catalog/db.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { StorageStatus } from '../storage/object-storage.js';

export interface MetricsRouteDeps {
  metrics: Metrics;
  catalog: Catalog;
  log: Logger;
  /** Defaults to HEALTH_TIMEOUT_MS. */
  healthTimeoutMs?: number;
  /** Reported as a detail; snapshots being off never makes the server unhealthy. */
  snapshots?: { readonly enabled: boolean; readonly reason?: string };
  /** With STORAGE=s3: the bucket and its upload outbox. */
  storageStatus?: () => Promise<StorageStatus>;
}

/** A catalog slower than this is as good as down to a load balancer's probe. */
export const HEALTH_TIMEOUT_MS = 2000;

const healthSchema = {
  summary: 'Health check',
  description:
    '200 while the server and its catalog database answer; 503 with the reason otherwise. No authorization.',
  tags: ['operations'],
  response: {
    200: {
      type: 'object',
      required: ['status'],
      properties: {
        status: { type: 'string', enum: ['ok'] },
        snapshots: {
          type: 'object',
          description:
            'Whether live snapshots are taken (SNAPSHOT_INTERVAL, ffmpeg on the PATH), and if not why',
          properties: { enabled: { type: 'boolean' }, reason: { type: 'string' } },
        },
        storage: {
          type: 'object',
          description: 'With STORAGE=s3 only. Failure details are in `/api/v1/storage`, which is authorized.',
          properties: {
            kind: { type: 'string', enum: ['s3'] },
            pendingUploads: { type: 'integer' },
            oldestPendingSec: { type: 'integer' },
            uploadsFailing: { type: 'boolean' },
          },
        },
      },
    },
    503: {
      type: 'object',
      required: ['status', 'reason'],
      properties: { status: { type: 'string', enum: ['unavailable'] }, reason: { type: 'string' } },
    },
  },
};

const metricsSchema = {
  summary: 'Prometheus metrics',
  description: 'The text exposition format. Authorized like the API.',
  tags: ['operations'],
  response: { 200: { type: 'string', description: 'text/plain; version=0.0.4' } },
};

export function registerMetricsRoutes(app: FastifyInstance, deps: MetricsRouteDeps): void {
  app.get('/metrics', { schema: metricsSchema }, async (_request, reply) => {
    reply.type(deps.metrics.contentType);
    return deps.metrics.exposition();
  });

  app.get('/healthz', { schema: healthSchema }, async (_request, reply) => {
    const reason = await catalogProblem(deps.catalog, deps.log, deps.healthTimeoutMs ?? HEALTH_TIMEOUT_MS);
    if (reason !== undefined) return reply.code(503).send({ status: 'unavailable', reason });
    // A store outage delays uploads but loses nothing, so the node stays healthy; it says so, though.
    const storage = await deps.storageStatus?.();
    return {
      status: 'ok',
      ...(deps.snapshots ? { snapshots: deps.snapshots } : {}),
      ...(storage === undefined
        ? {}
        : {
            storage: {
              kind: 's3',
              pendingUploads: storage.pendingUploads,
              oldestPendingSec: storage.oldestPendingSec,
              uploadsFailing: storage.lastError !== null,
            },
          }),
    };
  });

  app.get(
    '/api/v1/storage',
    { schema: storageSchema },
    async () => (await deps.storageStatus?.()) ?? { kind: 'local' },
  );
}

const storageSchema = {
  summary: 'Storage status',
  description:
    "Where recordings are kept. With STORAGE=s3: the bucket, upload jobs waiting in the outbox (all nodes), how long the oldest has waited, and this node's last upload error until the next success.",
  tags: ['operations'],
  response: {
    200: {
      type: 'object',
      required: ['kind'],
      properties: {
        kind: { type: 'string', enum: ['local', 's3'] },
        bucket: { type: 'string' },
        pendingUploads: { type: 'integer' },
        oldestPendingSec: { type: 'integer' },
        lastError: {
          type: ['object', 'null'],
          properties: { message: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
        },
      },
    },
  },
};

/**
 * Why the catalog cannot serve, or undefined when it answered in time. The driver's error goes to the
 * log only: this route is public, and the error may name database hosts.
 */
async function catalogProblem(catalog: Catalog, log: Logger, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`catalog did not answer within ${timeoutMs} ms`), timeoutMs);
  });
  const answer = catalog.ping().then(
    () => undefined,
    (error: unknown) => {
      log.warn({ err: error }, 'health check: catalog query failed');
      return 'catalog query failed';
    },
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
