import { createServer, type Server } from 'node:net';
import type { EndReason } from '../live/live-stream.js';
import { READ_PACING_MS, ReadPacer } from './read-pacer.js';
import { RtmpSession, type RtmpSessionOptions } from './session.js';
import { READ_BUFFER_SIZE } from './socket-reads.js';

export interface RtmpConnectionLimits {
  /** RTMP_MAX_CONNECTIONS: connections open at once, all peers together. */
  readonly maxConnections: number;
  /** RTMP_MAX_CONNECTIONS_PER_ADDRESS: connections open at once from one remote address. */
  readonly maxConnectionsPerAddress: number;
  /** RTMP_READ_PACING: ms a real-time publisher rests between reads; 0 reads every write (see read-pacer.ts). */
  readonly readPacingMs?: number;
}

const REFUSAL_LOG_INTERVAL_MS = 10_000;

/** Accepts RTMP connections and owns their sessions, so shutdown can end every push cleanly. */
export class RtmpServer {
  private readonly server: Server;
  private readonly sessions = new Set<RtmpSession>();
  private readonly perAddress = new Map<string, number>();
  private nextId = 1;
  /** When the last refusal was logged: a flood of connections must not become a flood of log lines. */
  private lastRefusalLoggedAt = 0;
  /** Every session's socket reads land here, one at a time (see socket-reads.ts). */
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
  /** One timer resumes every publisher paused between reads (see read-pacer.ts); none with pacing off. */
  private readonly pacer: ReadPacer | undefined;

  constructor(options: RtmpSessionOptions, limits: RtmpConnectionLimits) {
    const pacingMs = limits.readPacingMs ?? READ_PACING_MS;
    this.pacer = pacingMs > 0 ? new ReadPacer(pacingMs) : undefined;
    // Paused: a session starts reading into the shared buffer itself, before the first read.
    this.server = createServer({ pauseOnConnect: true }, (socket) => {
      const address = socket.remoteAddress ?? 'unknown';
      const fromAddress = this.perAddress.get(address) ?? 0;
      const refusal =
        this.sessions.size >= limits.maxConnections
          ? `RTMP_MAX_CONNECTIONS (${limits.maxConnections}) reached`
          : fromAddress >= limits.maxConnectionsPerAddress
            ? `RTMP_MAX_CONNECTIONS_PER_ADDRESS (${limits.maxConnectionsPerAddress}) reached for ${address}`
            : undefined;
      if (refusal !== undefined) {
        socket.destroy();
        if (Date.now() - this.lastRefusalLoggedAt >= REFUSAL_LOG_INTERVAL_MS) {
          this.lastRefusalLoggedAt = Date.now();
          options.log.warn(`RTMP connection refused: ${refusal}`);
        }
        return;
      }
      this.perAddress.set(address, fromAddress + 1);
      const session = new RtmpSession(socket, options, `rtmp-${this.nextId++}`, {
        buffer: this.readBuffer,
        pacer: this.pacer,
      });
      this.sessions.add(session);
      socket.once('close', () => {
        this.sessions.delete(session);
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left > 0) this.perAddress.set(address, left);
        else this.perAddress.delete(address);
      });
    });
    this.server.on('error', (error) => options.log.error({ err: error }, 'RTMP listener error'));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Stops accepting, then ends every session; publishers are unpublished with `reason`. */
  async close(reason: EndReason = 'shutdown'): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.sessions) session.close(reason, 'server shutting down');
    await closed;
  }
}
