import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { waitFor } from './process.js';

/** A port that was free a moment ago (the child binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ChildServer {
  child: ChildProcess;
  output(): string;
  rtmpUrl(app: string, stream: string, query?: string): string;
  httpUrl(path: string): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/**
 * LiveTape as its own process, started the way `npm start` does (the CLI `serve` command), so tests can
 * kill it with SIGKILL or stop it with SIGTERM and start it again on the same data folder.
 */
export async function startChildServer(
  dataDir: string,
  ports: { rtmp: number; http: number },
  settings: Record<string, string> = {},
): Promise<ChildServer> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LIVETAPE_HOST: '127.0.0.1',
    LIVETAPE_RTMP_PORT: String(ports.rtmp),
    LIVETAPE_HTTP_PORT: String(ports.http),
    LIVETAPE_DATA_DIR: dataDir,
    LIVETAPE_LOG_LEVEL: 'info',
  };
  for (const [k, v] of Object.entries(settings)) env[`LIVETAPE_${k}`] = v;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const httpUrl = (path: string) => `http://127.0.0.1:${ports.http}${path}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
      return (
        (await fetch(httpUrl('/healthz'))
          .then((r) => r.ok)
          .catch(() => false)) || undefined
      );
    },
    30_000,
    'the server to answer /healthz',
  );
  return {
    child,
    output: () => output,
    rtmpUrl: (app, stream, query) =>
      `rtmp://127.0.0.1:${ports.rtmp}/${app}/${stream}${query ? `?${query}` : ''}`,
    httpUrl,
    exited,
  };
}

export interface RestartableServer {
  /** The process now running; throws when none is. */
  readonly running: ChildServer;
  /** Starts a process on the folder and ports (with `settings()` as they are now). */
  start(): Promise<ChildServer>;
  /** `kill -9` the running process, and see it die of that signal. */
  kill(): Promise<void>;
}

/**
 * One LiveTape process at a time on one data folder and one pair of ports, for tests that kill it and
 * start it again. Call it in the `describe` body after the hooks that start what `settings` refers to:
 * its hooks make the folder and pick the ports, and at the end stop what still runs (before those
 * hooks' own clean-up) and remove the folder.
 */
export function restartableServer(
  tempPrefix: string,
  settings: () => Record<string, string>,
): RestartableServer {
  let dataDir = '';
  let ports = { rtmp: 0, http: 0 };
  let current: ChildServer | undefined;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), tempPrefix));
    ports = { rtmp: await freePort(), http: await freePort() };
  });
  afterAll(async () => {
    if (current) {
      current.child.kill('SIGTERM');
      await current.exited;
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  return {
    get running() {
      if (!current) throw new Error('no LiveTape process is running');
      return current;
    },
    async start() {
      current = await startChildServer(dataDir, ports, settings());
      return current;
    },
    async kill() {
      const server = this.running;
      server.child.kill('SIGKILL');
      expect(await server.exited).toBe('SIGKILL');
      current = undefined;
    },
  };
}
