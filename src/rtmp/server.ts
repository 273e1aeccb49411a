import { createServer, type Server } from 'node:net';
import type { EndReason } from '../live/live-stream.js';
import { RtmpSession, type RtmpSessionOptions } from './session.js';

/** Accepts RTMP connections and owns their sessions, so shutdown can end every push cleanly. */
export class RtmpServer {
  private readonly server: Server;
  private readonly sessions = new Set<RtmpSession>();
  private nextId = 1;

  constructor(options: RtmpSessionOptions) {
    this.server = createServer((socket) => {
      const session = new RtmpSession(socket, options, `rtmp-${this.nextId++}`);
      this.sessions.add(session);
      socket.once('close', () => this.sessions.delete(session));
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
