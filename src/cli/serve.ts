import { constants } from 'node:os';
import { loadConfig } from '../config/index.js';
import { createLogger, type Logger } from '../log.js';
import type { RunningServer, startServer } from '../server.js';
import { renderBanner } from './banner.js';
import { type CliContext, EXIT_FAILURE, EXIT_OK } from './context.js';
import { restartWithStartFlags, tuneHeapGrowth } from './heap-growth.js';
import { version } from './help.js';

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

export interface ServeDeps {
  /** Loaded on demand so that `push-url` and `--help` never load the server's modules. */
  readonly loadServer: () => Promise<{ startServer: typeof startServer }>;
  readonly createLogger: (level: string) => Logger;
  readonly signals: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** Ends the process at once; used when a second signal arrives during shutdown. */
  readonly exit: (code: number) => void;
}

export const processServeDeps: ServeDeps = {
  loadServer: () => {
    restartWithStartFlags();
    tuneHeapGrowth();
    return import('../server.js');
  },
  createLogger,
  signals: process,
  exit: (code) => process.exit(code),
};

/** Runs until the first SIGTERM/SIGINT, then closes the server; resolves with the exit code. */
export async function serve(args: readonly string[], context: CliContext, deps: ServeDeps): Promise<number> {
  const config = loadConfig({ argv: args, env: context.env, cwd: context.cwd });
  const log = deps.createLogger(config.logLevel);
  log.debug({ config }, 'configuration loaded');
  let server: RunningServer;
  try {
    const { startServer } = await deps.loadServer();
    server = await startServer(config, log);
  } catch (error) {
    log.fatal({ err: error }, 'could not start');
    return EXIT_FAILURE;
  }
  const { rtmpPort, httpPort, generatedAdminPassword } = server;
  context.stderr(
    renderBanner({
      config,
      rtmpPort,
      httpPort,
      version: version(),
      nowSeconds: context.now() / 1000,
      pushKeys: server.pushKeys,
      generatedAdminPassword,
      snapshots: server.snapshots,
    }),
  );

  const signal = await firstSignal(deps.signals);
  const forceExit = (second: ShutdownSignal) => () => {
    log.warn({ signal: second }, 'second signal during shutdown: exiting now');
    deps.exit(128 + constants.signals[second]);
  };
  const forceHandlers = SHUTDOWN_SIGNALS.map((name) => [name, forceExit(name)] as const);
  for (const [name, handler] of forceHandlers) deps.signals.on(name, handler);
  log.info({ signal }, 'signal received, closing');
  try {
    await server.close('signal');
    return EXIT_OK;
  } catch (error) {
    log.error({ err: error }, 'shutdown failed');
    return EXIT_FAILURE;
  } finally {
    for (const [name, handler] of forceHandlers) deps.signals.off(name, handler);
  }
}

function firstSignal(signals: ServeDeps['signals']): Promise<ShutdownSignal> {
  return new Promise((resolve) => {
    const handlers = SHUTDOWN_SIGNALS.map((name) => [name, () => finish(name)] as const);
    const finish = (name: ShutdownSignal) => {
      for (const [other, handler] of handlers) signals.off(other, handler);
      resolve(name);
    };
    for (const [name, handler] of handlers) signals.on(name, handler);
  });
}
