import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import type { StorageTarget } from '../../src/storage/target.js';

export interface TestServer {
  server: RunningServer;
  dataDir: string;
  rtmpUrl(app: string, stream: string, query?: string): string;
  httpUrl(path: string): string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Receives the server's JSON log lines (give `LOG_LEVEL` in settings), so a test can assert on them. */
  logTo?: DestinationStream;
  /** Start on this data folder (a restart of an earlier server); `close()` then leaves it in place. */
  dataDir?: string;
  /** The recordings' storage, made for the media folder (`DATA_DIR/media`); default the local folder. */
  storage?: (mediaRoot: string) => StorageTarget;
}

/**
 * A real LiveTape server in this process on ephemeral loopback ports with a throw-away data folder.
 * `settings` are config keys without the LIVETAPE_ prefix (e.g. `{ PUSH_KEY: 'k' }`).
 */
export async function startTestServer(
  settings: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'livetape-test-')));
  const env: Record<string, string> = {
    LIVETAPE_HOST: '127.0.0.1',
    LIVETAPE_RTMP_PORT: '0',
    LIVETAPE_HTTP_PORT: '0',
    LIVETAPE_DATA_DIR: dataDir,
    LIVETAPE_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  };
  for (const [k, v] of Object.entries(settings)) env[`LIVETAPE_${k}`] = v;
  const config = loadConfig({ argv: [], env, cwd: dataDir });
  const log = createLogger(
    config.logLevel,
    options.logTo ? { destination: options.logTo, pretty: false } : {},
  );
  const server = await startServer(config, log, {
    storage: options.storage?.(join(config.dataDir, 'media')),
  });
  return {
    server,
    dataDir,
    rtmpUrl: (app, stream, query) =>
      `rtmp://127.0.0.1:${server.rtmpPort}/${app}/${stream}${query ? `?${query}` : ''}`,
    httpUrl: (path) => `http://127.0.0.1:${server.httpPort}${path}`,
    async close() {
      await server.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
