/**
 * Concurrent byte-range readers, like players seeking in a file: each of `concurrency` keep-alive
 * connections asks for random `rangeBytes` ranges until `requests` have been answered in all.
 * The readers speak HTTP/1.1 over raw sockets into one reused buffer (`onread`), counting body bytes
 * without keeping them: Node's HTTP client would spend more CPU per GB than the server under test,
 * and on a small machine it shares the cores with that server.
 */
import { connect, type Socket } from 'node:net';

export interface RangeLoad {
  url: string;
  fileSize: number;
  concurrency: number;
  requests: number;
  rangeBytes: number;
}

export interface RangeResult {
  bytes: number;
  seconds: number;
  /** Answers that were not a 206 of exactly the asked length. */
  failures: string[];
}

/** Range starts are 4 KiB aligned, like a player's reads; any offset would do for a server. */
const ALIGN = 4096;
const READ_BUFFER_BYTES = 256 * 1024;
const HEADER_END = '\r\n\r\n';

export async function readRanges(load: RangeLoad): Promise<RangeResult> {
  const url = new URL(load.url);
  let issued = 0;
  let bytes = 0;
  const failures: string[] = [];
  const nextRange = (): [number, number] | undefined => {
    if (issued >= load.requests) return undefined;
    issued++;
    const start = Math.floor((Math.random() * (load.fileSize - load.rangeBytes)) / ALIGN) * ALIGN;
    return [start, start + load.rangeBytes - 1];
  };
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: load.concurrency }, () =>
      readerConnection(url, nextRange, (status, length, range) => {
        bytes += length;
        if ((status !== 206 || length !== load.rangeBytes) && failures.length < 5) {
          failures.push(`bytes=${range[0]}-: HTTP ${status}, ${length} bytes`);
        }
      }),
    ),
  );
  return { bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9, failures };
}

/** One keep-alive connection asking for ranges one after the other until `nextRange` has none. */
function readerConnection(
  url: URL,
  nextRange: () => [number, number] | undefined,
  answered: (status: number, bodyBytes: number, range: [number, number]) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let range: [number, number] | undefined;
    let header = '';
    let status = 0;
    let remaining = -1; // body bytes still to come; -1 while reading the header
    let length = 0;
    const socket: Socket = connect({
      host: url.hostname,
      port: Number(url.port),
      onread: {
        buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
        callback: (nread, buffer) => {
          let at = 0;
          if (remaining < 0) {
            header += (buffer as Buffer).toString('latin1', 0, nread);
            const end = header.indexOf(HEADER_END);
            if (end < 0) return true;
            status = Number(header.slice(9, 12));
            length = Number(/\r\ncontent-length: *(\d+)/i.exec(header)?.[1] ?? 0);
            at = nread - (header.length - end - HEADER_END.length);
            header = '';
            remaining = length;
          }
          remaining -= nread - at;
          if (remaining <= 0) {
            answered(status, length, range!);
            remaining = -1;
            send();
          }
          return true;
        },
      },
    });
    const send = () => {
      range = nextRange();
      if (!range) {
        socket.end();
        return;
      }
      socket.write(
        `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nRange: bytes=${range[0]}-${range[1]}\r\n\r\n`,
      );
    };
    socket.once('connect', send);
    socket.once('error', reject);
    socket.once('close', () => resolve());
  });
}
