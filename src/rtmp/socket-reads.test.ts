import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/process.js';
import { type SocketReads, startReading } from './socket-reads.js';

/** A server on port 0 whose accepted sockets are handed to `onSocket` unread. */
async function listen(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer({ pauseOnConnect: true }, onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { server, port: address.port };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

describe('startReading', () => {
  it('reads every byte of several connections through one shared buffer, in order, then sees the end', async () => {
    const shared = Buffer.alloc(1024); // small, so one push spans many reads
    const received = new Map<number, Buffer[]>();
    const ended = new Set<number>();
    let usedShared = 0;
    let next = 0;
    const { server, port } = await listen((socket) => {
      const id = next++;
      received.set(id, []);
      socket.on('end', () => ended.add(id));
      // Keep a copy: the view is only valid during the callback.
      if (startReading(socket, shared, (bytes) => received.get(id)!.push(Buffer.from(bytes))).sharedBuffer)
        usedShared++;
    });
    servers.push(server);
    const payloads = [randomBytes(200_000), randomBytes(150_000)];
    await Promise.all(
      payloads.map(
        (p) =>
          new Promise<void>((resolve, reject) => {
            const client = connect(port, '127.0.0.1', () => {
              for (let at = 0; at < p.length; at += 7_000) client.write(p.subarray(at, at + 7_000));
              client.end();
            });
            client.on('error', reject);
            client.on('close', () => resolve());
            client.resume();
          }),
      ),
    );
    await waitFor(() => (ended.size === 2 ? true : undefined), 30_000, 'both ends');
    // The fast path is what this module is for: a Node upgrade that loses it must be noticed.
    expect(usedShared).toBe(2);
    const got = [...received.values()].map((parts) => Buffer.concat(parts));
    for (const p of payloads) expect(got.some((g) => g.equals(p))).toBe(true);
  });

  it('stops reading while stopped and delivers the rest, then the end, after a start', async () => {
    const parts: Buffer[] = [];
    let socketOnServer: Socket | undefined;
    let reads: SocketReads | undefined;
    let ended = false;
    const { server, port } = await listen((socket) => {
      socketOnServer = socket;
      socket.on('end', () => {
        ended = true;
      });
      reads = startReading(socket, Buffer.alloc(64 * 1024), (bytes) => {
        parts.push(Buffer.from(bytes));
        reads!.stop();
      });
    });
    servers.push(server);
    const client = connect(port, '127.0.0.1');
    client.write(Buffer.alloc(10, 1));
    await waitFor(() => (parts.length === 1 ? true : undefined), 30_000, 'the first read');
    client.write(Buffer.alloc(10, 2));
    // Paused: the second write waits in the kernel. Give the loop a few turns to prove nothing arrives.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(parts.length).toBe(1);
    expect(reads!.sharedBuffer).toBe(true);
    reads!.start();
    await waitFor(() => (parts.length === 2 ? true : undefined), 30_000, 'the read after start');
    expect(parts[1]!.equals(Buffer.alloc(10, 2))).toBe(true);
    // Stopped again by the callback: the peer's end is seen once reading starts again.
    client.end();
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toBe(false);
    reads!.start();
    await waitFor(() => (ended ? true : undefined), 30_000, 'the end after start');
    socketOnServer!.destroy();
    // A destroyed socket has no handle: stopping and starting it again are no-ops, not errors.
    reads!.stop();
    reads!.start();
  });

  it('falls back to data events for a socket that is already being read', async () => {
    const parts: Buffer[] = [];
    let used: boolean | undefined;
    const { server, port } = await listen((socket) => {
      socket.resume(); // reading has started: the handle's buffer can no longer be swapped
      used = startReading(socket, Buffer.alloc(1024), (bytes) => parts.push(bytes)).sharedBuffer;
    });
    servers.push(server);
    const client = connect(port, '127.0.0.1', () => client.end(Buffer.from('hello')));
    await waitFor(() => (parts.length > 0 ? true : undefined), 30_000, 'the bytes');
    expect(used).toBe(false);
    expect(Buffer.concat(parts).toString()).toBe('hello');
  });
});
