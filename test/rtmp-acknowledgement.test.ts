/**
 * Acknowledgements to a publisher: sent once it goes quiet (what a flow-controlled encoder waiting
 * for one does), never into a stream of bytes still arriving (see RtmpSession.acknowledge: an
 * Acknowledgement reaching an encoder that already closed its socket makes its kernel discard the
 * unsent tail of the push; the burst tests in record-burst.test.ts check that tail end to end).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkReader, type RtmpMessage } from '../src/rtmp/chunk-reader.js';
import { HANDSHAKE_SIZE } from '../src/rtmp/handshake.js';
import * as msg from '../src/rtmp/messages.js';
import { waitFor } from './helpers/process.js';
import { chunked, openRaw, plainHandshake, startCommands, videoMessage } from './helpers/raw-rtmp.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const WINDOW = 20_000;

describe('acknowledgements to a publisher', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('acknowledges a window of bytes once the publisher waits, with the count of bytes received', async () => {
    const conn = await openRaw(t.server.rtmpPort, { read: false });
    const acks: number[] = [];
    let handshakeLeft = 1 + 2 * HANDSHAKE_SIZE;
    const reader = new ChunkReader({
      maxMessageSize: 1 << 20,
      maxChunkSize: 1 << 20,
      onMessage: (m: RtmpMessage) => {
        if (m.typeId === msg.MSG_ACK) acks.push(m.payload.readUInt32BE(0));
      },
    });
    conn.socket.on('data', (chunk: Buffer) => {
      const skip = Math.min(handshakeLeft, chunk.length);
      handshakeLeft -= skip;
      if (chunk.length > skip) reader.push(chunk.subarray(skip));
    });
    conn.socket.resume();
    const start = [msg.windowAckSize(WINDOW), ...startCommands('live', 'acked', 'publish')];
    conn.send(Buffer.concat([plainHandshake(), chunked(start)]));
    await waitFor(() => t.server.hub.get('live', 'acked'), 10_000, 'the publish');
    // Three windows' worth in one write, then silence: the encoder now waits for an acknowledgement.
    conn.send(
      chunked([videoMessage(0, Buffer.from([0x17, 0x01, 0, 0, 0, ...Buffer.alloc(3 * WINDOW)]))], 4096),
    );
    const sequence = await waitFor(() => acks.at(-1), 10_000, 'an acknowledgement');
    expect(sequence).toBeGreaterThanOrEqual(3 * WINDOW);
    expect(acks).toHaveLength(1); // one acknowledgement for the whole burst, sent when it went quiet
    conn.socket.destroy();
  });
});
