/**
 * Reads accepted RTMP sockets into one buffer the server owns, instead of a new Buffer per read.
 *
 * By default every socket read makes Node allocate a backing store and an ArrayBuffer, wrap it in a Buffer
 * and pass it through the Readable stream machinery (`push`, `'data'`). The RTMP session needs none of that:
 * the handshake and the chunk reader copy what they keep before returning, so the bytes of a read are dead
 * once its callback returns. Node lets a socket read into a caller's buffer (`onread`, see net.Socket), but
 * only for sockets it connects, not for ones a server accepts; this module installs the same thing on an
 * accepted socket, through the fields `onread` sets. It checks that those fields exist and falls back to
 * `'data'` events when a Node version lacks them, so an upgrade can make reads slower but never wrong
 * (socket-reads.test.ts fails when the fast path is lost).
 *
 * One buffer serves every connection: the event loop runs one read callback at a time, from libuv's read
 * into the buffer to the callback's return, and nothing may keep a view of the bytes past that return.
 */
import type { Socket } from 'node:net';

/** libuv's own suggestion for a read; a burst of media fills it, a real-time push reads a few KiB. */
export const READ_BUFFER_SIZE = 64 * 1024;

/** What `new net.Socket({ onread })` stores, found on an accepted socket by the symbols' names. */
interface UserBufferSlots {
  buffer: symbol;
  callback: symbol;
}

interface HandleWithUserBuffer {
  useUserBuffer(buffer: Uint8Array): void;
  readStart(): number;
  readStop(): number;
  reading?: boolean;
}

/**
 * Stops and restarts a socket's reads. A publisher is paused and resumed some 20 times a second (read
 * pacing), so on the shared-buffer path this is done at the handle, as `socket.pause()`/`resume()` do
 * underneath: the Readable stream's own state machine (a `nextTick`, a `read(0)`, `'resume'` events) has
 * nothing to do when no byte goes through the stream, and it was half of the pacer's cost.
 */
export interface SocketReads {
  /** Whether every read lands in the shared buffer (false: `'data'` events, each read its own Buffer). */
  readonly sharedBuffer: boolean;
  stop(): void;
  start(): void;
}

function userBufferSlots(socket: Socket): UserBufferSlots | undefined {
  const symbols = Object.getOwnPropertySymbols(socket);
  const buffer = symbols.find((s) => s.description === 'kBuffer');
  const callback = symbols.find((s) => s.description === 'kBufferCb');
  return buffer && callback ? { buffer, callback } : undefined;
}

function handleOf(socket: Socket): HandleWithUserBuffer | undefined {
  const handle = (socket as unknown as { _handle?: Partial<HandleWithUserBuffer> | null })._handle;
  return typeof handle?.useUserBuffer === 'function' ? (handle as HandleWithUserBuffer) : undefined;
}

/**
 * Starts reading `socket` (accepted with `pauseOnConnect`, so not read yet), handing every read's bytes to
 * `onBytes` as a view of `buffer` that is valid only until `onBytes` returns. End of stream and errors
 * arrive as usual; reads are stopped and started again through the returned `SocketReads`.
 */
export function startReading(socket: Socket, buffer: Buffer, onBytes: (bytes: Buffer) => void): SocketReads {
  const slots = userBufferSlots(socket);
  const handle = handleOf(socket);
  // Accepted with pauseOnConnect and not resumed since: no read has started, none is scheduled.
  const fresh = handle !== undefined && handle.reading !== true && socket.readableFlowing === false;
  if (slots && handle && fresh) {
    const record = socket as unknown as Record<symbol, unknown>;
    record[slots.buffer] = buffer;
    record[slots.callback] = (nread: number, buf: Buffer) => {
      onBytes(buf.subarray(0, nread));
    };
    handle.useUserBuffer(buffer);
    // Flowing from here on: the stream never holds a byte, and its end is still emitted when it comes.
    socket.resume();
    return handleReads(socket);
  }
  socket.on('data', onBytes);
  socket.resume();
  return { sharedBuffer: false, stop: () => socket.pause(), start: () => socket.resume() };
}

/** What `net.Socket`'s pause and resume do to the handle, without the stream around it. */
function handleReads(socket: Socket): SocketReads {
  return {
    sharedBuffer: true,
    stop() {
      const handle = handleOf(socket); // gone once the socket is destroyed
      if (!handle?.reading) return;
      handle.reading = false;
      if (!socket.destroyed) handle.readStop();
    },
    start() {
      const handle = handleOf(socket);
      if (!handle || handle.reading || socket.destroyed) return;
      handle.reading = true;
      const code = handle.readStart();
      if (code < 0) socket.destroy(new Error(`cannot read the connection (libuv error ${code})`));
    },
  };
}
