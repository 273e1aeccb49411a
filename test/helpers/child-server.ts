import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
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
