import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RtmpClient } from '../src/rtmp/client.js';
import * as msg from '../src/rtmp/messages.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { countDecodedFrames, type ProbedStreams, sleep, waitFor } from './helpers/process.js';
import {
  chunked,
  closesWithin,
  openRaw,
  plainHandshake,
  type RawConnection,
  startCommands,
  videoMessage,
} from './helpers/raw-rtmp.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { pushTags, readMediaTags, type Tag, type TagPush, videoFrameCount } from './helpers/tag-push.js';

const HANDSHAKE_TIMEOUT_MS = 1000;
const IDLE_TIMEOUT_MS = 1500;
const MAX_MESSAGE_SIZE = 1 << 20;
/** A close by the handshake timeout, with plenty of room for a loaded machine. */
const BY_TIMEOUT_MS = HANDSHAKE_TIMEOUT_MS + 20_000;

/**
 * Keeps the server's error-level log lines (an "unexpected error" anywhere means a bug slipped through)
 * and counts connections closed by the handshake timeout, which tells a prompt close from a timed-out one
 * without measuring time.
 */
class ErrorLog {
  readonly errors: string[] = [];
  timeouts = 0;
  write(line: string): void {
    const entry = JSON.parse(line) as { level: number; msg?: string };
    if (entry.level >= 50) this.errors.push(line);
    if (entry.msg?.includes('no publish or play within')) this.timeouts++;
  }
}

/** After a handshake: the chunk stream a test wants to send. */
async function afterHandshake(t: TestServer, bytes: Buffer): Promise<RawConnection> {
  const conn = await openRaw(t.server.rtmpPort);
  conn.send(Buffer.concat([plainHandshake(), bytes]));
  return conn;
}

function controlMessage(typeId: number, payload: Buffer): msg.RtmpMessage {
  return { csid: msg.CSID_CONTROL, typeId, streamId: 0, timestamp: 0, payload };
}

function uint32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}

/** A type 0 chunk header on `csid` announcing a video message of `length` bytes, and no body. */
function messageHeader(csid: number, length: number): Buffer {
  // Basic header (RTMP spec 5.3.1.1): csid 2-63 in one byte, up to 319 in two, up to 65599 in three.
  const basic =
    csid < 64
      ? Buffer.of(csid)
      : csid < 320
        ? Buffer.of(0, csid - 64)
        : Buffer.of(1, (csid - 64) & 0xff, (csid - 64) >> 8);
  const fields = Buffer.alloc(11);
  fields.writeUIntBE(length, 3, 3); // after a zero timestamp
  fields[6] = msg.MSG_VIDEO;
  fields.writeUInt32LE(1, 7);
  return Buffer.concat([basic, fields]);
}

describe('RTMP robustness: bad peers lose their own connection, nothing else', () => {
  const log = new ErrorLog();

  /** The server closed `conn` because of what it sent, not because the handshake timeout ran out. */
  async function closedPromptly(conn: RawConnection): Promise<void> {
    const timeoutsBefore = log.timeouts;
    await closesWithin(conn, BY_TIMEOUT_MS);
    expect(log.timeouts, 'closed by the handshake timeout instead').toBe(timeoutsBefore);
  }
  let t: TestServer;
  let tags: Tag[];
  let steady: TagPush;
  let steadyPlayer: Promise<ProbedStreams>;

  beforeAll(async () => {
    t = await startTestServer(
      {
        RTMP_HANDSHAKE_TIMEOUT: String(HANDSHAKE_TIMEOUT_MS / 1000),
        RTMP_IDLE_TIMEOUT: String(IDLE_TIMEOUT_MS / 1000),
        RTMP_MAX_MESSAGE_SIZE: String(MAX_MESSAGE_SIZE),
        LOG_LEVEL: 'warn',
      },
      { logTo: log },
    );
    // A normal push and player run through every case; one GOP makes the player's frame count exact.
    tags = await readMediaTags(await makeTestFlv({ seconds: 60, gop: 100_000 }));
    steady = await pushTags(t.rtmpUrl('live', 'steady'), tags, { realtime: true });
    steadyPlayer = countDecodedFrames(t.httpUrl('/live/live/steady.flv'), 120_000);
    await waitFor(
      () => (t.server.hub.get('live', 'steady')?.viewerCount === 1 ? true : undefined),
      20_000,
      'the player',
    );
  });
  afterAll(async () => {
    steady?.stop();
    await t?.close();
  });
  describe('each bad peer loses only its own connection', () => {
    afterEach(async () => {
      // Only the steady publisher stays connected, and its stream is still live with its player.
      await waitFor(
        () => (t.server.rtmpConnectionCount === 1 ? true : undefined),
        30_000,
        'bad connections to close',
      );
      expect(t.server.hub.get('live', 'steady')?.viewerCount).toBe(1);
    });

    describe('before or during the handshake', () => {
      it('closes a connection that sends an HTTP request instead of a handshake', async () => {
        const conn = await openRaw(t.server.rtmpPort);
        conn.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        await closedPromptly(conn);
      });

      it('closes a connection that sends random bytes after a valid version byte', async () => {
        const conn = await openRaw(t.server.rtmpPort);
        conn.send(Buffer.concat([Buffer.of(3), randomBytes(8192)]));
        await closesWithin(conn, BY_TIMEOUT_MS);
      });

      it('closes a connection asking for RTMP version 6 (RTMPE)', async () => {
        const conn = await openRaw(t.server.rtmpPort);
        conn.send(Buffer.concat([Buffer.of(6), randomBytes(1536)]));
        await closedPromptly(conn);
      });

      it('closes a truncated handshake followed by silence when the handshake timeout expires', async () => {
        const conn = await openRaw(t.server.rtmpPort);
        conn.send(plainHandshake().subarray(0, 700));
        expect(await closesWithin(conn, BY_TIMEOUT_MS)).toBeGreaterThanOrEqual(HANDSHAKE_TIMEOUT_MS - 50);
      });

      it('closes a client dribbling a valid handshake one byte per 100 ms: activity does not extend the timeout', async () => {
        const conn = await openRaw(t.server.rtmpPort);
        const bytes = plainHandshake();
        let at = 0;
        const dribble = setInterval(() => conn.send(bytes.subarray(at, ++at)), 100);
        try {
          expect(await closesWithin(conn, BY_TIMEOUT_MS)).toBeGreaterThanOrEqual(HANDSHAKE_TIMEOUT_MS - 50);
        } finally {
          clearInterval(dribble);
        }
      });
    });

    it('drops a publisher that dribbles a message one byte per 100 ms: bytes alone do not keep it alive', async () => {
      const conn = await afterHandshake(t, chunked(startCommands('live', 'dribbler', 'publish')));
      await waitFor(() => t.server.hub.get('live', 'dribbler'), 30_000, 'the dribbler to publish');
      const frame = chunked([videoMessage(0, Buffer.alloc(60_000))], 4096);
      let at = 0;
      const dribble = setInterval(() => conn.send(frame.subarray(at, ++at)), 100);
      try {
        // Dropped, not kept alive by its bytes: the bound only has to be finite, so it is generous.
        const closedAfter = await closesWithin(conn, IDLE_TIMEOUT_MS + 20_000);
        expect(closedAfter).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 100);
        expect(t.server.hub.get('live', 'dribbler')).toBeUndefined();
      } finally {
        clearInterval(dribble);
      }
    });

    describe('chunk stream limits', () => {
      it.each([
        ['2^31 (0 once the reserved top bit is dropped)', 0x8000_0000],
        ['0', 0],
        ['2^31 - 1 (over the largest message)', 0x7fff_ffff],
      ])('closes at once on Set Chunk Size %s', async (_, size) => {
        const conn = await afterHandshake(t, chunked([controlMessage(msg.MSG_SET_CHUNK_SIZE, uint32(size))]));
        await closedPromptly(conn);
      });

      it('closes on a chunk header announcing a message over RTMP_MAX_MESSAGE_SIZE, without its body', async () => {
        const conn = await afterHandshake(t, messageHeader(6, 0xff_ffff));
        await closedPromptly(conn);
      });

      it('closes when half-built messages on many chunk streams would exceed the in-flight bound', async () => {
        // 64 chunk streams each start a 1 MiB message with one 128-byte chunk: 64 MiB promised.
        const starts = Array.from({ length: 64 }, (_, i) =>
          Buffer.concat([messageHeader(3 + i, MAX_MESSAGE_SIZE), randomBytes(128)]),
        );
        const conn = await afterHandshake(t, Buffer.concat(starts));
        await closedPromptly(conn);
      });

      it('closes a connection that starts messages on thousands of chunk streams', async () => {
        // Each chunk stream keeps its state for the connection's life: encoders use a handful (issue 11).
        const starts = Array.from({ length: 5000 }, (_, i) =>
          Buffer.concat([messageHeader(64 + i, 500), randomBytes(128)]),
        );
        const conn = await afterHandshake(t, Buffer.concat(starts));
        await closedPromptly(conn);
      });

      it('closes on a command message of garbage AMF (type 20 and type 17)', async () => {
        for (const typeId of [msg.MSG_COMMAND_AMF0, msg.MSG_COMMAND_AMF3]) {
          const payload = Buffer.concat([Buffer.of(0x02, 0xff, 0xff), randomBytes(40)]);
          const conn = await afterHandshake(
            t,
            chunked([{ csid: 3, typeId, streamId: 0, timestamp: 0, payload }]),
          );
          await closedPromptly(conn);
        }
      });
    });

    describe('publishers sending bad media', () => {
      it('ignores AVC frames sent before any sequence header, then takes the sequence header', async () => {
        const client = await RtmpClient.connect(t.rtmpUrl('live', 'headless'));
        await client.publish();
        const isFrame = (tag: Tag) => tag.type === 9 && tag.body[1] === 1;
        for (const tag of tags.filter(isFrame).slice(0, 30)) client.sendVideo(tag.timestamp, tag.body);
        await sleep(300);
        const stream = t.server.hub.get('live', 'headless')!;
        expect(stream.videoConfig).toBeUndefined();
        expect(stream.stats.videoFrames).toBe(0);

        const [header, keyframe] = tags.filter((tag) => tag.type === 9);
        client.sendVideo(2000, header!.body);
        client.sendVideo(2000, keyframe!.body);
        await waitFor(() => (stream.stats.videoFrames === 1 ? true : undefined), 2000, 'the keyframe');
        expect(stream.videoConfig).toMatchObject({ codec: 'avc', width: 320, height: 240 });
        await client.close();
      });

      it('closes a publisher whose AVC sequence header is malformed, and unpublishes its stream', async () => {
        const conn = await afterHandshake(
          t,
          chunked([
            ...startCommands('live', 'badheader', 'publish'),
            // avcC announcing one 4-byte SPS of which only 3 bytes follow
            videoMessage(
              0,
              Buffer.from([0x17, 0, 0, 0, 0, 1, 0x42, 0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0]),
            ),
          ]),
        );
        await closedPromptly(conn);
        expect(t.server.hub.get('live', 'badheader')).toBeUndefined();
      });
    });

    it('publishes over the digest ("complex") handshake', async () => {
      const short = await readMediaTags(await makeTestFlv({ seconds: 2, gop: 1000 }));
      const joined = waitFor(
        () => t.server.hub.get('live', 'digest')?.viewerCount || undefined,
        20_000,
        'the player',
      );
      const push = await pushTags(t.rtmpUrl('live', 'digest'), short, {
        realtime: true,
        client: { digestHandshake: true },
        startAfter: joined,
      });
      const player = countDecodedFrames(t.httpUrl('/live/live/digest.flv'));
      expect((await push.done).sent).toBe(short.length);
      const played = await player;
      expect(played.stderr).toBe('');
      expect(played.video).toBe(videoFrameCount(short));
    });

    it('keeps nothing per connection: 200 garbage connections leave the heap and connection count as they were', async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const garbage = async () => {
        const conn = await openRaw(t.server.rtmpPort);
        conn.send(Buffer.concat([plainHandshake(), randomBytes(2000)]));
        conn.socket.end();
        await closesWithin(conn, BY_TIMEOUT_MS);
      };
      await garbage(); // warm-up: first-use allocations are not growth
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let batch = 0; batch < 10; batch++) await Promise.all(Array.from({ length: 20 }, garbage));
      await waitFor(
        () => (t.server.rtmpConnectionCount === 1 ? true : undefined),
        30_000,
        'connections to close',
      );
      gc();
      const growth = process.memoryUsage().heapUsed - before;
      // A leaked session (its reader, timers, logger) costs about 4 KiB: 200 of them would show.
      expect(growth).toBeLessThan(512 << 10);
    });

    it('survives arbitrary bytes after a valid handshake (property), and still takes a good publisher', async () => {
      const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
      const anyMessage = fc.record({
        csid: fc.oneof(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 9, max: 65_599 })),
        typeId: fc.oneof(
          fc.constantFrom(1, 2, 3, 4, 5, 6, 8, 9, 15, 17, 18, 20, 22),
          fc.integer({ min: 0, max: 255 }),
        ),
        streamId: fc.constantFrom(0, 1),
        timestamp: fc.oneof(fc.constant(0), fc.nat(), fc.constant(0xffff_ffff)),
        payload: bytes(700),
      });
      // Tag bodies that get past the first byte or two of each codec parser before turning random.
      const mediaHeads = [
        [0x17, 0x00, 0, 0, 0, 0x01], // AVC sequence header, avcC version 1
        [0x17, 0x01, 0, 0, 0], // AVC NALUs
        [0x1c, 0x00, 0, 0, 0, 0x01], // legacy HEVC (codec id 12) sequence header
        [0x90, ...Buffer.from('hvc1'), 0x01], // Enhanced RTMP HEVC SequenceStart, hvcC version 1
        [0x91, ...Buffer.from('hvc1')], // HEVC CodedFrames
        [0x90, ...Buffer.from('av01'), 0x81], // AV1 SequenceStart, av1C marker
        [0x90, ...Buffer.from('vp09')],
        [0x96, 0x00, ...Buffer.from('hvc1')], // multitrack
        [0x97], // ModEx
        [0xaf, 0x00], // AAC sequence header
        [0xaf, 0x01],
        [0x2f], // MP3
        [0x90, ...Buffer.from('mp4a')], // Enhanced RTMP audio
        [0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame')],
      ].map((head) => Buffer.from(head));
      const mediaMessage = fc.record({
        csid: fc.constantFrom(4, 5, 6),
        typeId: fc.constantFrom(8, 9, 18, 22),
        streamId: fc.constant(1),
        timestamp: fc.oneof(fc.nat({ max: 10_000 }), fc.constant(0xffff_ffff)),
        payload: fc
          .tuple(fc.constantFrom(...mediaHeads), bytes(300))
          .map(([head, tail]) => Buffer.concat([head, tail])),
      });
      const input = fc.oneof(
        bytes(4096),
        fc
          .tuple(fc.array(anyMessage, { maxLength: 8 }), fc.constantFrom(1, 128, 4096))
          .map(([m, size]) => chunked(m, size)),
        // After a publish, so media and data messages reach the codec parsers.
        fc.array(fc.oneof(mediaMessage, anyMessage), { maxLength: 12 }).map((m) => ({ publish: m })),
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(input, async (sample) => {
          const bytes = Buffer.isBuffer(sample)
            ? sample
            : chunked([
                ...startCommands('live', `fuzz${run++}?record=flv|mp4|hls|aac`, 'publish'),
                ...sample.publish,
              ]);
          const conn = await afterHandshake(t, bytes);
          conn.socket.end(); // the server reads everything, then sees the end of the stream
          await closesWithin(conn, BY_TIMEOUT_MS);
        }),
        { numRuns: 300 },
      );
      const short = await readMediaTags(await makeTestFlv({ seconds: 2, gop: 1000 }));
      const push = await pushTags(t.rtmpUrl('live', 'after-fuzz'), short);
      expect((await push.done).sent).toBe(short.length);
    });
  });

  it('never logged an unexpected error, and the steady push and play went on undisturbed', async () => {
    expect(log.errors).toEqual([]);
    steady.stop();
    const { sent } = await steady.done;
    const played = await steadyPlayer;
    expect(played.stderr).toBe('');
    expect(played.video).toBe(videoFrameCount(tags.slice(0, sent)));
  });
});
