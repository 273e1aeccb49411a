/**
 * The Node.js floor of RTMP ingest: a receiver that takes the bench's pushes and does nothing with them, so
 * bench:compare can show what a bare Node process costs for exactly those bytes (issue 13). It reads the
 * sockets as LiveTape does, with LiveTape's own modules from a checkout's build: accepted paused, read into
 * one shared 64 KiB buffer (socket-reads.js), a publisher paused after a read that did not fill the buffer
 * and resumed at the shared 50 ms tick (read-pacer.js), the handshake of handshake.js.
 *
 *   node node-floor-main.mjs --mode raw|parse [--modules DIR]
 *
 * `raw`: chunk headers are walked to find where messages end (chunk-walker.mjs); media payloads are neither
 * copied nor looked at, only counted. `parse`: every byte goes through LiveTape's ChunkReader, which copies
 * each message into a buffer of its own; the messages are counted and dropped. Both answer connect,
 * createStream and publish, and nothing else (no acknowledgements, no ping replies).
 *
 * `--modules` is the folder of LiveTape's compiled modules, default this checkout's dist/ (`npm run build`).
 * Once listening it prints `{"rtmpPort":N,"httpPort":M}` on one line; GET /stats on the HTTP port answers
 * `{ mode, streams: { <name>: { bytes, videoMessages, audioMessages, sharedBuffer, closed } } }` by published name (bytes:
 * all the connection's, handshake included; messages: from the publish on). A peer that breaks the protocol,
 * or does not publish within 30 s, is disconnected; nothing else is.
 */
import { existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ChunkWalker } from './chunk-walker.mjs';

const { values: args } = parseArgs({ options: { mode: { type: 'string' }, modules: { type: 'string' } } });
const mode = args.mode;
if (mode !== 'raw' && mode !== 'parse') fatal(`--mode must be raw or parse, got ${mode}`);
const modulesDir = resolve(args.modules ?? fileURLToPath(new URL('../../dist', import.meta.url)));
// The sources (.ts) serve too when the receiver runs under tsx, as its test does.
if (!['js', 'ts'].some((ext) => existsSync(join(modulesDir, 'rtmp', `socket-reads.${ext}`))))
  fatal(`LiveTape's compiled RTMP modules are missing from ${modulesDir}: run npm run build`);
const load = (path) => import(pathToFileURL(join(modulesDir, 'rtmp', path)).href);
const [
  { ServerHandshake },
  { ChunkReader },
  { ChunkWriter },
  msg,
  { READ_BUFFER_SIZE, startReading },
  pacing,
] = await Promise.all(
  [
    'handshake.js',
    'chunk-reader.js',
    'chunk-writer.js',
    'messages.js',
    'socket-reads.js',
    'read-pacer.js',
  ].map(load),
);

/** LiveTape's defaults: RTMP_MAX_MESSAGE_SIZE, and the time from accept to a publish. */
const MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
const PUBLISH_TIMEOUT_MS = 30_000;

const readBuffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
const pacer = new pacing.ReadPacer(pacing.READ_PACING_MS);
/** Every publish, by stream name (a name published again replaces its figures). */
const published = new Map();

function fatal(message) {
  console.error(`node-floor-main: ${message}`);
  process.exit(2);
}

class Connection {
  #socket;
  #handshake = new ServerHandshake();
  #handshakeDone = false;
  #writer = new ChunkWriter();
  #messages;
  #publishTimer;
  #closed = false;
  /** Whether reads land in the shared buffer, as LiveTape's do (false: Node's own Buffer per read). */
  #sharedBuffer = false;
  /** Stops and starts the socket's reads (socket-reads.js). */
  #reads;
  #bytesRead = 0;
  /** Parse mode's counts; the walker keeps its own. */
  #videoMessages = 0;
  #audioMessages = 0;
  /** Set once a publish was answered: the figures /stats reports. */
  #figures;

  constructor(socket) {
    this.#socket = socket;
    this.#messages =
      mode === 'raw'
        ? new ChunkWalker((m) => this.#onMessage(m))
        : new ChunkReader({
            maxMessageSize: MAX_MESSAGE_SIZE,
            maxChunkSize: MAX_MESSAGE_SIZE,
            onMessage: (m) => this.#onMessage(m),
          });
    socket.setNoDelay(true);
    socket.on('error', () => this.#close());
    socket.on('close', () => this.#close());
    this.#publishTimer = setTimeout(() => this.#close(), PUBLISH_TIMEOUT_MS);
    const reads = startReading(socket, readBuffer, (bytes) => this.#onBytes(bytes));
    // Stopped and started as LiveTape's session does (a build before SocketReads returned a boolean).
    this.#reads =
      typeof reads === 'boolean'
        ? { sharedBuffer: reads, stop: () => socket.pause(), start: () => socket.resume() }
        : reads;
    this.#sharedBuffer = this.#reads.sharedBuffer;
  }

  /** The pacer's tick. */
  resumeAfterPacing() {
    if (!this.#closed) this.#reads.start();
  }

  #onBytes(chunk) {
    if (this.#closed) return;
    this.#bytesRead += chunk.length;
    try {
      if (!this.#handshakeDone) {
        const step = this.#handshake.feed(chunk);
        for (const b of step.send ?? []) this.#socket.write(b);
        if (!step.done) return;
        this.#handshakeDone = true;
        if (!step.rest || step.rest.length === 0) return;
        chunk = step.rest;
      }
      this.#messages.push(chunk);
      // As LiveTape's session: only a publisher that is keeping up waits for the tick.
      if (this.#figures && chunk.length < readBuffer.length && !this.#closed) {
        this.#reads.stop();
        pacer.defer(this);
      }
    } catch {
      this.#close();
    }
  }

  /** Media messages received so far, by whichever of the walker and ChunkReader reads this connection. */
  #counts() {
    return mode === 'raw'
      ? { video: this.#messages.videoMessages, audio: this.#messages.audioMessages }
      : { video: this.#videoMessages, audio: this.#audioMessages };
  }

  #onMessage(m) {
    if (m.typeId === msg.MSG_VIDEO) this.#videoMessages++;
    else if (m.typeId === msg.MSG_AUDIO) this.#audioMessages++;
    else if (m.typeId === msg.MSG_COMMAND_AMF0 || m.typeId === msg.MSG_COMMAND_AMF3) {
      this.#onCommand(msg.parseCommand(m), m.streamId);
    }
  }

  #onCommand(command, streamId) {
    const tx = command.transactionId;
    if (command.name === 'connect') {
      this.#writer.setChunkSize(4096);
      this.#send(msg.setChunkSize(4096));
      this.#send(
        msg.command('_result', tx, { fmsVer: 'FMS/3,5,7,7009', capabilities: 31 }, [
          { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.' },
        ]),
      );
    } else if (command.name === 'createStream') {
      this.#send(msg.command('_result', tx, null, [1]));
    } else if (command.name === 'publish') {
      if (this.#figures || typeof command.args[0] !== 'string') throw new Error('bad or second publish');
      clearTimeout(this.#publishTimer);
      // Media counts from the publish on (what the pushers count), read live by /stats.
      const before = this.#counts();
      const connection = this;
      this.#figures = {
        get bytes() {
          return connection.#bytesRead;
        },
        get videoMessages() {
          return connection.#counts().video - before.video;
        },
        get audioMessages() {
          return connection.#counts().audio - before.audio;
        },
        sharedBuffer: this.#sharedBuffer,
        closed: false,
      };
      published.set(command.args[0], this.#figures);
      this.#send(msg.streamBegin(streamId));
      this.#send(
        msg.command(
          'onStatus',
          0,
          null,
          [{ level: 'status', code: 'NetStream.Publish.Start', description: 'published' }],
          streamId,
          msg.CSID_DATA,
        ),
      );
    }
  }

  #send(message) {
    this.#socket.cork();
    for (const b of this.#writer.encode(message)) this.#socket.write(b);
    this.#socket.uncork();
  }

  #close() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#publishTimer);
    pacer.forget(this);
    if (this.#figures) this.#figures.closed = true;
    this.#socket.destroy();
  }
}

const rtmp = createServer({ pauseOnConnect: true }, (socket) => new Connection(socket));
const http = createHttpServer((req, res) => {
  if (req.url !== '/stats') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ mode, streams: Object.fromEntries(published) }));
});
const listening = (server) => new Promise((done) => server.listen(0, '127.0.0.1', done));
await Promise.all([listening(rtmp), listening(http)]);
console.log(JSON.stringify({ rtmpPort: rtmp.address().port, httpPort: http.address().port }));
