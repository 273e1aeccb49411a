import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, openCatalog } from '../catalog/db.js';
import { StreamHub } from '../live/hub.js';
import { createLogger } from '../log.js';
import { Metrics } from '../metrics.js';
import { registerMetricsRoutes } from './metrics-routes.js';

describe('GET /healthz', () => {
  let dir: string;
  let catalog: Catalog;
  const log = createLogger('silent');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livetape-health-'));
    catalog = await openCatalog({ dataDir: dir });
  });
  afterAll(async () => {
    await catalog.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function app(ping: Catalog['ping']): Promise<FastifyInstance> {
    const fastify = Fastify();
    const metrics = new Metrics({
      hub: new StreamHub({ enabled: false, maxBytes: 0 }),
      catalog,
      recordings: { activeCount: 0 },
    });
    const probed = Object.assign(Object.create(catalog) as Catalog, { ping });
    registerMetricsRoutes(fastify, { metrics, catalog: probed, log, healthTimeoutMs: 100 });
    await fastify.ready();
    return fastify;
  }

  it('answers 200 while the catalog answers', async () => {
    const res = await (await app(() => catalog.ping())).inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('answers 503 when the catalog fails, without the driver error', async () => {
    const res = await (
      await app(() => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:5432')))
    ).inject('/healthz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', reason: 'catalog query failed' });
  });

  it('answers 503 when the catalog does not answer in time', async () => {
    const res = await (await app(() => new Promise(() => {}))).inject('/healthz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', reason: 'catalog did not answer within 100 ms' });
  });

  it('answers 503 once the catalog is closed', async () => {
    const closed = await openCatalog({ dataDir: dir });
    await closed.close();
    const res = await (await app(() => closed.ping())).inject('/healthz');
    expect(res.statusCode).toBe(503);
  });
});
