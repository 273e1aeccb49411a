/**
 * The RTMP handshake (RTMP spec 1.0 §5.2): C0/S0 version byte, then 1536-byte C1/S1 and C2/S2.
 *
 * Flash-era clients (Flash Player, FMLE, ffmpeg, librtmp/OBS) send a "digest" C1: an HMAC-SHA256
 * of the block, keyed with the Flash Player key, hidden at an offset derived from the block itself
 * (two layouts, "schema 0" and "schema 1"). A server that answers with a matching digest S1/S2 is
 * accepted by players that check it (ffmpeg as a player does); any other client gets the plain echo.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { RtmpProtocolError } from './errors.js';

export const RTMP_VERSION = 3;
export const HANDSHAKE_SIZE = 1536;

const DIGEST_SIZE = 32;
const GENUINE_KEY_TAIL = Buffer.from(
  'f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae',
  'hex',
);
const FP_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Player 001'), GENUINE_KEY_TAIL]);
const FMS_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001'), GENUINE_KEY_TAIL]);
/** C1 and S1 digests are keyed with the readable part of each key only. */
const FP_KEY_TEXT = FP_KEY.subarray(0, 30);
const FMS_KEY_TEXT = FMS_KEY.subarray(0, 36);

/** Version fields advertised in digest blocks (FMS 4.5 / Flash Player 10-era values). */
const SERVER_VERSION = Buffer.from([4, 5, 0, 1]);
const CLIENT_VERSION = Buffer.from([0x80, 0, 7, 2]);

/**
 * Where the digest sits: schema 0 keeps it in the second 764-byte block (offset bytes at 772),
 * schema 1 in the first (offset bytes at 8). Each block leaves 728 positions for the digest.
 */
type DigestSchema = 0 | 1;
const SCHEMAS: readonly DigestSchema[] = [1, 0];

function digestOffset(block: Buffer, schema: DigestSchema): number {
  const at = schema === 0 ? 772 : 8;
  return ((block[at]! + block[at + 1]! + block[at + 2]! + block[at + 3]!) % 728) + at + 4;
}

function hmac(key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac('sha256', key);
  for (const part of parts) h.update(part);
  return h.digest();
}

/** HMAC of the block with the 32 digest bytes left out. */
function blockDigest(block: Buffer, offset: number, key: Buffer): Buffer {
  return hmac(key, block.subarray(0, offset), block.subarray(offset + DIGEST_SIZE));
}

/** Returns the valid digest of a C1/S1 block, or undefined when it carries none. */
function findDigest(block: Buffer, key: Buffer): { digest: Buffer; schema: DigestSchema } | undefined {
  for (const schema of SCHEMAS) {
    const offset = digestOffset(block, schema);
    const digest = block.subarray(offset, offset + DIGEST_SIZE);
    if (blockDigest(block, offset, key).equals(digest)) return { digest, schema };
  }
  return undefined;
}

/** A random C1/S1 with a version field and an embedded digest. */
function digestBlock(version: Buffer, key: Buffer, schema: DigestSchema): { block: Buffer; digest: Buffer } {
  const block = randomBytes(HANDSHAKE_SIZE);
  block.writeUInt32BE(0, 0);
  version.copy(block, 4);
  const offset = digestOffset(block, schema);
  const digest = blockDigest(block, offset, key);
  digest.copy(block, offset);
  return { block, digest };
}

/**
 * C2/S2 of the digest handshake: random bytes whose last 32 bytes sign the rest with a key derived
 * from the peer's C1/S1 digest.
 */
function signedReply(peerDigest: Buffer, key: Buffer): Buffer {
  const reply = randomBytes(HANDSHAKE_SIZE);
  const signingKey = hmac(key, peerDigest);
  hmac(signingKey, reply.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE)).copy(reply, HANDSHAKE_SIZE - DIGEST_SIZE);
  return reply;
}

function verifySignedReply(reply: Buffer, ownDigest: Buffer, key: Buffer): boolean {
  const signingKey = hmac(key, ownDigest);
  const signature = hmac(signingKey, reply.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE));
  return signature.equals(reply.subarray(HANDSHAKE_SIZE - DIGEST_SIZE));
}

function plainBlock(): Buffer {
  const block = randomBytes(HANDSHAKE_SIZE);
  block.writeUInt32BE(0, 0);
  block.writeUInt32BE(0, 4);
  return block;
}

function checkVersion(version: number): void {
  if (version !== RTMP_VERSION) throw new RtmpProtocolError(`unsupported RTMP version ${version}`);
}

export interface HandshakeStep {
  /** Bytes to write to the peer, in order. */
  send?: Buffer[];
  done: boolean;
  /** Bytes that followed the handshake in the same input: the start of the chunk stream. */
  rest?: Buffer;
}

/**
 * Server side: reads C0+C1, answers S0+S1+S2 at once, then skips C2 (peers fill it inconsistently,
 * so it is not checked). Holds at most C0+C1 (1537 bytes); C2 is counted, not stored.
 */
export class ServerHandshake {
  private readonly c0c1 = Buffer.allocUnsafe(1 + HANDSHAKE_SIZE);
  private c0c1Length = 0;
  private c2Remaining = HANDSHAKE_SIZE;
  private answered = false;
  private finished = false;
  private digestClient = false;

  /** Whether the client's C1 carried a valid digest (known once C1 has arrived). */
  get usedDigest(): boolean {
    return this.digestClient;
  }

  feed(chunk: Buffer): HandshakeStep {
    if (this.finished) throw new Error('ServerHandshake.feed() after the handshake completed');
    let pos = 0;
    let send: Buffer[] | undefined;
    if (!this.answered) {
      const take = Math.min(chunk.length, this.c0c1.length - this.c0c1Length);
      chunk.copy(this.c0c1, this.c0c1Length, 0, take);
      if (this.c0c1Length === 0 && take > 0) checkVersion(this.c0c1[0]!);
      this.c0c1Length += take;
      pos = take;
      if (this.c0c1Length < this.c0c1.length) return { done: false };
      send = [this.answer(this.c0c1.subarray(1))];
      this.answered = true;
    }
    const skip = Math.min(chunk.length - pos, this.c2Remaining);
    this.c2Remaining -= skip;
    pos += skip;
    if (this.c2Remaining > 0) return send ? { send, done: false } : { done: false };
    this.finished = true;
    const step: HandshakeStep = { done: true };
    if (send) step.send = send;
    if (pos < chunk.length) step.rest = chunk.subarray(pos);
    return step;
  }

  /** S0 + S1 + S2 in one buffer. */
  private answer(c1: Buffer): Buffer {
    const found = c1.readUInt32BE(4) === 0 ? undefined : findDigest(c1, FP_KEY_TEXT);
    this.digestClient = found !== undefined;
    const s0 = Buffer.of(RTMP_VERSION);
    if (!found) return Buffer.concat([s0, plainBlock(), c1]);
    const s1 = digestBlock(SERVER_VERSION, FMS_KEY_TEXT, found.schema).block;
    return Buffer.concat([s0, s1, signedReply(found.digest, FMS_KEY)]);
  }
}

export interface ClientHandshakeOptions {
  /** Send a digest C1 and require a valid digest S1/S2 from the server. */
  digest?: boolean;
}

/** Client side: start() gives C0+C1; feed() collects S0+S1+S2 (3073 bytes) and answers C2. */
export class ClientHandshake {
  private readonly digest: boolean;
  private c1Digest: Buffer | undefined;
  private readonly s0s1s2 = Buffer.allocUnsafe(1 + 2 * HANDSHAKE_SIZE);
  private received = 0;
  private finished = false;

  constructor(options: ClientHandshakeOptions = {}) {
    this.digest = options.digest ?? false;
  }

  start(): Buffer {
    let c1: Buffer;
    if (this.digest) {
      const { block, digest } = digestBlock(CLIENT_VERSION, FP_KEY_TEXT, 1);
      c1 = block;
      this.c1Digest = digest;
    } else {
      c1 = plainBlock();
    }
    return Buffer.concat([Buffer.of(RTMP_VERSION), c1]);
  }

  feed(chunk: Buffer): HandshakeStep {
    if (this.finished) throw new Error('ClientHandshake.feed() after the handshake completed');
    const take = Math.min(chunk.length, this.s0s1s2.length - this.received);
    chunk.copy(this.s0s1s2, this.received, 0, take);
    if (this.received === 0 && take > 0) checkVersion(this.s0s1s2[0]!);
    this.received += take;
    if (this.received < this.s0s1s2.length) return { done: false };
    this.finished = true;
    const step: HandshakeStep = { send: [this.c2()], done: true };
    if (take < chunk.length) step.rest = chunk.subarray(take);
    return step;
  }

  private c2(): Buffer {
    const s1 = this.s0s1s2.subarray(1, 1 + HANDSHAKE_SIZE);
    const s2 = this.s0s1s2.subarray(1 + HANDSHAKE_SIZE);
    if (!this.c1Digest) return Buffer.from(s1);
    const found = findDigest(s1, FMS_KEY_TEXT);
    if (!found) throw new RtmpProtocolError('server S1 carries no valid digest');
    if (!verifySignedReply(s2, this.c1Digest, FMS_KEY)) {
      throw new RtmpProtocolError('server S2 is not signed with our C1 digest');
    }
    return signedReply(found.digest, FP_KEY);
  }
}
