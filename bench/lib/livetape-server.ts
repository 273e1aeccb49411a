import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/child-server.js';
import { waitFor } from '../../test/helpers/process.js';
import { REPO_ROOT } from './paths.js';
import { ServerChild } from './server-child.js';

export interface LiveTapeStartOptions {
  dataDir: string;
  /** LIVETAPE_* settings without the prefix, e.g. `{ RECORD_INTERVAL_MIN: '1' }`. */
  settings?: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /** The checkout to run; default this one. Another (a `git archive` of a commit) compares versions. */
  root?: string;
  /** Also write everything the server prints here (bench:gc reads its `--trace-gc` lines). */
  logFile?: string;
}

export interface RecordingJson {
  id: string;
  stream: string;
  format: string;
  storageKey: string;
  sizeBytes: number;
  durationMs: number;
}

/**
 * How the server is started: from the TypeScript sources through tsx (the default), or with
 * `BENCH_FROM_DIST=1` from the checkout's build (`npm run build`), as `npm start` runs it in production:
 * tsx adds an esbuild process and the transpiled sources to the memory measured.
 */
function entryArgs(root: string): string[] {
  if (process.env.BENCH_FROM_DIST !== '1') return ['--import', 'tsx', 'src/cli/main.ts'];
  const main = join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(main))
    throw new Error(`BENCH_FROM_DIST=1 but ${main} is missing: run npm run build in ${root}`);
  return [main];
}

/** LiveTape started the way `npm start` does (the CLI `serve` command), in its own process. */
export class LiveTapeServer {
  readonly name = 'LiveTape';

  private constructor(
    readonly child: ServerChild,
    readonly dataDir: string,
    private readonly rtmpPort: number,
    private readonly httpPort: number,
  ) {}

  static async start(options: LiveTapeStartOptions): Promise<LiveTapeServer> {
    const rtmpPort = await freePort();
    const httpPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LIVETAPE_HOST: '127.0.0.1',
      LIVETAPE_RTMP_PORT: String(rtmpPort),
      LIVETAPE_HTTP_PORT: String(httpPort),
      LIVETAPE_DATA_DIR: options.dataDir,
    };
    for (const [key, value] of Object.entries(options.settings ?? {})) env[`LIVETAPE_${key}`] = value;
    const args = [...(options.nodeFlags ?? []), ...entryArgs(options.root ?? REPO_ROOT), 'serve'];
    const child = ServerChild.spawn(process.execPath, args, {
      cwd: options.root ?? REPO_ROOT,
      env,
      logFile: options.logFile,
    });
    const server = new LiveTapeServer(child, options.dataDir, rtmpPort, httpPort);
    await waitFor(
      async () => {
        if (!child.running) throw new Error(`LiveTape exited early:\n${child.output}`);
        return (
          (await fetch(server.httpUrl('/healthz')).then(
            (r) => r.ok,
            () => false,
          )) || undefined
        );
      },
      60_000,
      'LiveTape to answer /healthz',
    );
    return server;
  }

  get pid(): number {
    return this.child.pid;
  }

  rtmpUrl(stream: string, query = ''): string {
    return `rtmp://127.0.0.1:${this.rtmpPort}/live/${stream}${query ? `?${query}` : ''}`;
  }

  httpUrl(path: string): string {
    return `http://127.0.0.1:${this.httpPort}${path}`;
  }

  liveFlvUrl(stream: string): string {
    return this.httpUrl(`/live/live/${stream}.flv`);
  }

  async liveStreamCount(): Promise<number> {
    const res = await fetch(this.httpUrl('/api/v1/streams'));
    return ((await res.json()) as { streams: unknown[] }).streams.length;
  }

  /** Every cataloged recording, following the list's cursor. */
  async listRecordings(): Promise<RecordingJson[]> {
    const all: RecordingJson[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await fetch(this.httpUrl(`/api/v1/recordings${query}`));
      if (!res.ok) throw new Error(`GET /api/v1/recordings answered ${res.status}: ${await res.text()}`);
      const page = (await res.json()) as { recordings: RecordingJson[]; nextCursor: string | null };
      all.push(...page.recordings);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
