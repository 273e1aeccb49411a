import { describe, expect, it } from 'vitest';
import { RtmpProtocolError } from './errors.js';
import { ClientHandshake, HANDSHAKE_SIZE, type HandshakeStep, ServerHandshake } from './handshake.js';

/**
 * Runs both sides to completion, delivering bytes in pieces of `piece` bytes. Once a side is done,
 * the bytes it was not fed belong to the chunk stream, like its `rest`.
 */
function run(client: ClientHandshake, server: ServerHandshake, piece: number, tail = Buffer.alloc(0)) {
  const feed = (side: { feed(b: Buffer): HandshakeStep }, bytes: Buffer) => {
    const steps: HandshakeStep[] = [];
    for (let i = 0; i < bytes.length; i += piece) {
      const step = side.feed(bytes.subarray(i, i + piece));
      steps.push(step);
      if (step.done) {
        const unfed = bytes.subarray(i + piece);
        if (unfed.length > 0) steps.push({ done: true, rest: unfed });
        break;
      }
    }
    return steps;
  };
  const serverSteps1 = feed(server, client.start());
  const s0s1s2 = Buffer.concat(serverSteps1.flatMap((s) => s.send ?? []));
  expect(s0s1s2.length).toBe(1 + 2 * HANDSHAKE_SIZE);
  const clientSteps = feed(client, s0s1s2);
  const clientDone = clientSteps.at(-1)!;
  expect(clientDone.done).toBe(true);
  const serverSteps2 = feed(server, Buffer.concat([...(clientDone.send ?? []), tail]));
  return { s0s1s2, serverDone: serverSteps2.at(-1)!, serverSteps: [...serverSteps1, ...serverSteps2] };
}

describe('RTMP handshake', () => {
  for (const digest of [false, true]) {
    for (const piece of [1, 700, 5000]) {
      it(`completes ${digest ? 'digest' : 'simple'} handshakes fed ${piece} bytes at a time`, () => {
        const server = new ServerHandshake();
        const tail = Buffer.from('0300000000000114000000', 'hex');
        const { serverDone, serverSteps } = run(new ClientHandshake({ digest }), server, piece, tail);
        expect(server.usedDigest).toBe(digest);
        expect(serverDone.done).toBe(true);
        expect(Buffer.concat(serverSteps.flatMap((s) => (s.rest ? [s.rest] : [])))).toEqual(tail);
      });
    }
  }

  it('echoes C1 as S2 in the simple handshake', () => {
    const client = new ClientHandshake();
    const c0c1 = client.start();
    const s0s1s2 = new ServerHandshake().feed(c0c1).send![0]!;
    expect(s0s1s2.subarray(1 + HANDSHAKE_SIZE)).toEqual(c0c1.subarray(1));
    expect(client.feed(s0s1s2).send![0]).toEqual(s0s1s2.subarray(1, 1 + HANDSHAKE_SIZE));
  });

  it('makes a digest client reject a server whose S1 or S2 digest is wrong', () => {
    for (const at of [1 + 100, 1 + HANDSHAKE_SIZE + 100, 1 + 2 * HANDSHAKE_SIZE - 1]) {
      const client = new ClientHandshake({ digest: true });
      const s0s1s2 = Buffer.from(new ServerHandshake().feed(client.start()).send![0]!);
      s0s1s2[at]! ^= 1;
      expect(() => client.feed(s0s1s2)).toThrow(RtmpProtocolError);
    }
  });

  it('answers a simple handshake to a C1 with a version but no valid digest', () => {
    const c0c1 = new ClientHandshake({ digest: true }).start();
    c0c1[200]! ^= 0xff; // inside the key/random area of both schemas, so no digest validates
    const server = new ServerHandshake();
    const s0s1s2 = server.feed(c0c1).send![0]!;
    expect(server.usedDigest).toBe(false);
    expect(s0s1s2.subarray(1 + HANDSHAKE_SIZE)).toEqual(c0c1.subarray(1));
  });

  it('rejects any version but 3 on the first byte', () => {
    for (const version of [6, 0, 0x16]) {
      expect(() => new ServerHandshake().feed(Buffer.of(version))).toThrow(RtmpProtocolError);
      const client = new ClientHandshake();
      client.start();
      expect(() => client.feed(Buffer.of(version))).toThrow(RtmpProtocolError);
    }
  });
});
