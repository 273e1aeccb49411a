/**
 * Issue 11, attack 4: RTMP clients that make the server hold memory without bound.
 * - Never-reading clients that set Window Acknowledgement Size 1 and send pings: every byte they send
 *   makes a reply, which used to queue without limit (890 MB of server RSS in 10 s). The server runs in
 *   a child process so its RSS is its own; it must stay bounded, and the server must stop reading them.
 * - Connection caps (RTMP_MAX_CONNECTIONS, RTMP_MAX_CONNECTIONS_PER_ADDRESS), and what an unauthorized
 *   connection may hold: half-received messages and chunk-stream state.
 */
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkWriter } from '../src/rtmp/chunk-writer.js';
import * as msg from '../src/rtmp/messages.js';
import { type ChildServer, freePort, startChildServer } from './helpers/child-server.js';
import { chunked, closesWithin, openRaw, plainHandshake, type RawConnection } from './helpers/raw-rtmp.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MiB = 1024 * 1024;

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** `count` ping requests in one buffer, as a client floods them. */
function pings(count: number): Buffer {
  const writer = new ChunkWriter();
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) parts.push(...writer.encode(msg.pingRequest(i)));
  return Buffer.concat(parts);
}

/**
 * Sends pings as fast as the server takes them until `untilMs`, never reading. Writes only when this
 * side's own buffer drained, so the test process stays small. `blocked`: the server had stopped taking
 * bytes when time was up (it stopped reading this client).
 */
async function flood(conn: RawConnection, untilMs: number): Promise<{ taken: number; blocked: boolean }> {
  const burst = pings(4096);
  let sent = 0;
  let blocked = false;
  while (Date.now() < untilMs && !conn.isClosed) {
    sent += burst.length;
    if (conn.socket.write(burst)) continue;
    const drained = once(conn.socket, 'drain').then(() => true);
    const timeUp = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), untilMs - Date.now()));
    blocked = !(await Promise.race([drained, timeUp]));
  }
  return { taken: sent - conn.socket.writableLength, blocked };
}

describe('never-reading RTMP clients (server in its own process)', () => {
  let dataDir: string;
  let server: ChildServer;
  let ports: { rtmp: number; http: number };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'livetape-dos-'));
    ports = { rtmp: await freePort(), http: await freePort() };
    // A long handshake timeout, so the attackers stay connected for the whole measurement.
    server = await startChildServer(dataDir, ports, { RTMP_HANDSHAKE_TIMEOUT: '120', LOG_LEVEL: 'warn' });
  }, 60_000);
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps server memory bounded and stops reading them', async () => {
    const pid = server.child.pid!;
    const before = await rssOf(pid);
    const clients = await Promise.all([1, 2, 3, 4].map(() => openRaw(ports.rtmp, { read: false })));
    for (const conn of clients) conn.send(Buffer.concat([plainHandshake(), chunked([msg.windowAckSize(1)])]));
    const until = Date.now() + 6000;
    const sent = await Promise.all(clients.map((conn) => flood(conn, until)));
    const after = await rssOf(pid);
    for (const conn of clients) conn.socket.destroy();
    const grewMiB = (after - before) / MiB;
    console.log(
      `RSS ${Math.round(before / MiB)} → ${Math.round(after / MiB)} MiB (+${grewMiB.toFixed(1)}); ` +
        `taken per client: ${sent.map((s) => (s.taken / MiB).toFixed(1)).join(', ')} MiB`,
    );
    // Unbounded, the replies to a few MiB of pings took over 200 MiB (and 890 MB in 10 s on an idle machine).
    expect(grewMiB).toBeLessThan(100);
    expect(sent.map((s) => s.blocked)).toEqual([true, true, true, true]);
  }, 60_000);
});

describe('RTMP connection caps and unauthorized state', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      RTMP_MAX_CONNECTIONS: '6',
      RTMP_MAX_CONNECTIONS_PER_ADDRESS: '3',
      RTMP_HANDSHAKE_TIMEOUT: '60',
    });
  });
  afterAll(() => t.close());

  const port = () => t.server.rtmpPort;

  it('closes connections past RTMP_MAX_CONNECTIONS_PER_ADDRESS at once, and admits again after one leaves', async () => {
    const kept = await Promise.all([1, 2, 3].map(() => openRaw(port())));
    await expect.poll(() => t.server.rtmpConnectionCount, { timeout: 10_000 }).toBe(3);
    const extra = await openRaw(port());
    await closesWithin(extra, 10_000);
    expect(kept.every((conn) => !conn.isClosed)).toBe(true);
    kept[0]!.socket.destroy();
    await expect.poll(() => t.server.rtmpConnectionCount, { timeout: 10_000 }).toBe(2);
    const again = await openRaw(port());
    await expect.poll(() => t.server.rtmpConnectionCount, { timeout: 10_000 }).toBe(3);
    expect(again.isClosed).toBe(false);
    for (const conn of [...kept, again]) conn.socket.destroy();
    await expect.poll(() => t.server.rtmpConnectionCount, { timeout: 10_000 }).toBe(0);
  });

  it('closes a connection that opens more chunk streams than any encoder uses', async () => {
    const conn = await openRaw(port());
    const parts: Buffer[] = [plainHandshake()];
    for (let csid = 3; csid < 3 + 100; csid++) {
      parts.push(...new ChunkWriter().encode({ ...msg.pingRequest(csid), csid }));
    }
    conn.send(Buffer.concat(parts));
    await closesWithin(conn, 10_000);
  });

  it('closes an unauthorized connection that starts a large message in pieces', async () => {
    const conn = await openRaw(port());
    // A 1 MiB command split into 128-byte chunks: the server would have to hold it whole.
    const whole = chunked([
      { csid: 3, typeId: msg.MSG_COMMAND_AMF0, streamId: 0, timestamp: 0, payload: Buffer.alloc(MiB) },
    ]);
    conn.send(Buffer.concat([plainHandshake(), whole.subarray(0, 128 * 1024)]));
    await closesWithin(conn, 10_000);
  });
});
