import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../test/helpers/process.js';
import { REPO_ROOT } from './paths.js';
import { ServerChild } from './server-child.js';

/** raw: read, find message boundaries, discard; parse: every byte through LiveTape's ChunkReader too. */
export type FloorMode = 'raw' | 'parse';

export interface FloorStreamFigures {
  /** Every byte read on the connection, handshake included. */
  bytes: number;
  /** Media messages received from the publish on. */
  videoMessages: number;
  audioMessages: number;
  /** The reads landed in one shared buffer, as LiveTape's do (socket-reads.ts). */
  sharedBuffer: boolean;
  closed: boolean;
}

export interface NodeFloorStartOptions {
  mode: FloorMode;
  /** The checkout whose compiled RTMP modules (dist/rtmp) are read with; default this one. */
  root?: string;
  /** Extra node flags. */
  nodeFlags?: string[];
  /**
   * Read with the TypeScript sources under tsx instead of dist/ (tests: no build needed). Not for
   * measurements: tsx adds its loader's work and memory to the process.
   */
  fromSources?: boolean;
}

const MAIN = fileURLToPath(new URL('node-floor-main.mjs', import.meta.url));

/** The compiled modules the receiver loads: a checkout's dist/, which must exist. */
function builtModules(root: string): string {
  const dist = join(root, 'dist');
  if (!existsSync(join(dist, 'rtmp', 'socket-reads.js')))
    throw new Error(
      `the Node floor reads with LiveTape's compiled RTMP modules, and ${dist}/rtmp is missing: run npm run build in ${root}`,
    );
  if (process.env.BENCH_FROM_DIST !== '1')
    process.stderr.write(
      `note: the Node floor runs ${dist} (the build); without BENCH_FROM_DIST=1 LiveTape runs the sources, which may differ\n`,
    );
  return dist;
}

/**
 * The Node.js floor receiver (node-floor-main.mjs) in its own process, run by plain `node` as `npm start`
 * runs LiveTape: what a bare Node costs to receive the pushes, read the way LiveTape reads them.
 */
export class NodeFloorServer {
  readonly name: string;

  private constructor(
    readonly child: ServerChild,
    readonly mode: FloorMode,
    private readonly rtmpPort: number,
    private readonly httpPort: number,
  ) {
    this.name = `Node.js floor (${mode})`;
  }

  static async start(options: NodeFloorStartOptions): Promise<NodeFloorServer> {
    const root = options.root ?? REPO_ROOT;
    const modules = options.fromSources ? join(root, 'src') : builtModules(root);
    const args = [
      ...(options.nodeFlags ?? []),
      ...(options.fromSources ? ['--import', 'tsx'] : []),
      MAIN,
      '--mode',
      options.mode,
      '--modules',
      modules,
    ];
    const child = ServerChild.spawn(process.execPath, args, { cwd: REPO_ROOT });
    const ports = await waitFor(
      () => {
        const line = /^\{"rtmpPort".*\}$/m.exec(child.output)?.[0];
        if (line) return JSON.parse(line) as { rtmpPort: number; httpPort: number };
        if (!child.running) throw new Error(`the Node floor receiver exited early:\n${child.output}`);
        return undefined;
      },
      60_000,
      'the Node floor receiver to listen',
    );
    return new NodeFloorServer(child, options.mode, ports.rtmpPort, ports.httpPort);
  }

  get pid(): number {
    return this.child.pid;
  }

  rtmpUrl(stream: string): string {
    return `rtmp://127.0.0.1:${this.rtmpPort}/live/${stream}`;
  }

  get statsUrl(): string {
    return `http://127.0.0.1:${this.httpPort}/stats`;
  }

  /** Figures by published stream name. */
  async stats(): Promise<Record<string, FloorStreamFigures>> {
    const res = await fetch(this.statsUrl);
    if (!res.ok) throw new Error(`Node floor /stats answered ${res.status}`);
    return ((await res.json()) as { streams: Record<string, FloorStreamFigures> }).streams;
  }

  /** Resolves once every one of `streams` has been published and its connection closed. */
  async waitUntilClosed(
    streams: readonly string[],
    timeoutMs = 60_000,
  ): Promise<Record<string, FloorStreamFigures>> {
    return waitFor(
      async () => {
        const stats = await this.stats();
        return streams.every((s) => stats[s]?.closed) ? stats : undefined;
      },
      timeoutMs,
      'the Node floor receiver to see every push closed',
    );
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
